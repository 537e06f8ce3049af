/**
 * Upsert N records (default 10,000) into each emulator through the connector, one request per record and in
 * `$batch`, side by side with a raw-HTTP baseline sending the same requests without the connector (no key
 * encoding, metadata, retry or result mapping). The emulators run in their own process.
 *
 *   npm run bench:connectors [-- --records 10000 --concurrency 16 --batch 100]
 *
 * F&O rows update existing customers (PATCH by key: the connector's first step of an upsert). Dataverse rows
 * create accounts by alternate key incl. the company (PATCH to the key URL); the connector resolves the company
 * code to its GUID once, the baseline is handed the GUID.
 */
import { createConnector, type BatchWrite, type Connector } from '../lib/connectors';
import type { HttpRequest, HttpResponse, Transport } from '../lib/odata';
import { batchBody, peakRssMb, printTable, request, startEmulatorProcess, type EmulatorProcess, type Row } from './support/emulatorProcess';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = arg('records', 10_000);
const CONCURRENCY = arg('concurrency', 16);
const BATCH = arg('batch', 100);

/** The same keep-alive HTTP client the baseline uses, as the connector's transport, with a fixed token. */
function transportFor(token: string): Transport {
	return async (req: HttpRequest): Promise<HttpResponse> => {
		const res = await request(req.url, req.method, { ...req.headers, authorization: `Bearer ${token}` }, req.body);
		return { status: res.status, headers: {}, body: res.body };
	};
}

async function timed(scenario: string, emu: EmulatorProcess, records: number, jobs: number, concurrency: number, job: (j: number) => Promise<number>): Promise<Row> {
	const latencies: number[] = [];
	let errors = 0;
	let next = 0;
	const started = process.hrtime.bigint();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < jobs) {
				const j = next++;
				const t = process.hrtime.bigint();
				errors += await job(j);
				latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
			}
		}),
	);
	return { scenario, requests: jobs, errors, seconds: Number(process.hrtime.bigint() - started) / 1e9, records, latencies, rssMb: peakRssMb(emu.child) };
}

async function main(): Promise<void> {
	const perCompany = Math.ceil(RECORDS / 3) + 10;
	const emu = await startEmulatorProcess(perCompany);
	try {
		const foToken = await emu.token(emu.fo);
		const dvToken = await emu.token(emu.dataverse);
		const fo: Connector = createConnector('fo', { environmentUrl: emu.fo, transport: transportFor(foToken) });
		const dv: Connector = createConnector('dataverse', { environmentUrl: emu.dataverse, transport: transportFor(dvToken) });
		const companies = ['usmf', 'demf', 'gbsi'];
		const foKey = (i: number) => ({ dataAreaId: companies[i % 3], CustomerAccount: `${companies[i % 3].slice(0, 2).toUpperCase()}-${String(Math.floor(i / 3) + 1).padStart(6, '0')}` });
		const foUrl = (i: number) => {
			const k = foKey(i);
			return `${emu.fo}/data/CustomersV3(dataAreaId='${k.dataAreaId}',CustomerAccount='${k.CustomerAccount}')`;
		};
		const foH = { authorization: `Bearer ${foToken}`, accept: 'application/json', 'content-type': 'application/json' };
		const dvH = { authorization: `Bearer ${dvToken}`, accept: 'application/json', 'content-type': 'application/json', 'odata-version': '4.0' };
		const usmf = JSON.parse((await request(`${emu.dataverse}/api/data/v9.2/cdm_companies(cdm_companycode='usmf')?$select=cdm_companyid`, 'GET', dvH)).body) as { cdm_companyid: string };
		const dvAccount = (run: string, i: number) => `${run}-${String(i).padStart(6, '0')}`;
		const dvUrl = (run: string, i: number) => `${emu.dataverse}/api/data/v9.2/accounts(accountnumber='${dvAccount(run, i)}',_msdyn_company_value=${usmf.cdm_companyid})`;
		const dvKey = (run: string, i: number) => ({ accountnumber: dvAccount(run, i), 'msdyn_company.cdm_companycode': 'usmf' });
		const bad = (status: number) => (status >= 200 && status < 300 ? 0 : 1);
		const batches = Math.ceil(RECORDS / BATCH);
		const slice = (b: number) => Array.from({ length: Math.min(BATCH, RECORDS - b * BATCH) }, (_, k) => b * BATCH + k);
		const batchErrors = (body: string) => (body.match(/HTTP\/1\.1 [45]\d\d/g) ?? []).length;
		// Warm both servers and this client (JIT, sockets, metadata caches) so the first row is not penalised.
		const companyUrl = `${emu.dataverse}/api/data/v9.2/cdm_companies(cdm_companycode='usmf')`;
		await timed('warm-up', emu, 400, 400, CONCURRENCY, async (i) => bad((await request(foUrl(i), 'GET', foH)).status) + bad((await request(companyUrl, 'GET', dvH)).status));
		await fo.describe('CustomersV3');
		await dv.describe('accounts');
		const rows: Row[] = [];

		// F&O: PATCH by key, 1 request per record.
		rows.push(await timed('F&O raw HTTP, 1 PATCH per record', emu, RECORDS, RECORDS, CONCURRENCY, async (i) => bad((await request(foUrl(i), 'PATCH', { ...foH, 'if-match': '*' }, JSON.stringify({ CreditLimit: i % 5000 }))).status)));
		rows.push(await timed('F&O connector.upsert, 1 per record', emu, RECORDS, RECORDS, CONCURRENCY, async (i) => (await fo.upsert('CustomersV3', foKey(i), { CreditLimit: (i % 5000) + 1 })) && 0));
		// F&O: $batch.
		rows.push(
			await timed(`F&O raw HTTP, $batch of ${BATCH}`, emu, RECORDS, batches, 2, async (b) => {
				const parts = slice(b).map((i) => ({ method: 'PATCH', url: foUrl(i), body: { CreditLimit: (i % 5000) + 2 }, headers: { 'If-Match': '*' } }));
				const res = await request(`${emu.fo}/data/$batch`, 'POST', { ...foH, 'content-type': `multipart/mixed; boundary=batch_f${b}` }, batchBody(`f${b}`, parts));
				return res.status === 200 ? batchErrors(res.body) : parts.length;
			}),
		);
		rows.push(
			await timed(`F&O connector.batch, ${BATCH} per $batch`, emu, RECORDS, batches, 2, async (b) => {
				const writes: BatchWrite[] = slice(b).map((i) => ({ operation: 'upsert', entity: 'CustomersV3', key: foKey(i), record: { CreditLimit: (i % 5000) + 3 } }));
				return (await fo.batch(writes, { batchSize: BATCH })).filter((r) => !r.ok).length;
			}),
		);
		// Dataverse: upsert (create) by alternate key incl. company, 1 request per record.
		rows.push(await timed('Dataverse raw HTTP, 1 PATCH per record', emu, RECORDS, RECORDS, CONCURRENCY, async (i) => bad((await request(dvUrl('RAW1', i), 'PATCH', dvH, JSON.stringify({ name: `Raw ${i}`, creditlimit: i }))).status)));
		rows.push(await timed('Dataverse connector.upsert, 1 per record', emu, RECORDS, RECORDS, CONCURRENCY, async (i) => (await dv.upsert('accounts', dvKey('CON1', i), { name: `Con ${i}`, creditlimit: i })) && 0));
		rows.push(
			await timed(`Dataverse raw HTTP, $batch of ${BATCH}`, emu, RECORDS, batches, 2, async (b) => {
				const parts = slice(b).map((i) => ({ method: 'PATCH', url: dvUrl('RAWB', i).slice(emu.dataverse.length), body: { name: `Raw ${i}`, creditlimit: i } }));
				const res = await request(`${emu.dataverse}/api/data/v9.2/$batch`, 'POST', { ...dvH, 'content-type': `multipart/mixed; boundary=batch_d${b}` }, batchBody(`d${b}`, parts));
				return res.status === 200 ? batchErrors(res.body) : parts.length;
			}),
		);
		rows.push(
			await timed(`Dataverse connector.batch, ${BATCH} per $batch`, emu, RECORDS, batches, 2, async (b) => {
				const writes: BatchWrite[] = slice(b).map((i) => ({ operation: 'upsert', entity: 'accounts', key: dvKey('CONB', i), record: { name: `Con ${i}`, creditlimit: i } }));
				return (await dv.batch(writes, { batchSize: BATCH })).filter((r) => !r.ok).length;
			}),
		);
		printTable(
			`Connector upserts — ${RECORDS} records per row; single: ${CONCURRENCY} concurrent; batch: ${BATCH} per $batch, 2 concurrent; latency per request or per $batch; ${process.version}`,
			rows,
		);
	} finally {
		emu.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
