/**
 * Emulator throughput: the emulators must never be the bottleneck of our benchmarks. Runs the emulators in a
 * child process (as `npm run emulators` does) and a do-nothing HTTP server as the baseline in another, then
 * drives both from this process over loopback with keep-alive connections and prints one table.
 *
 *   npm run bench:emulators [-- --seconds 3 --concurrency 16 --customers 10000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../test/support/n8n/instance';
import { batchBody, peakRssMb, printTable, request, startEmulatorProcess, type RawResponse, type Row } from './support/emulatorProcess';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const CONCURRENCY = arg('concurrency', 16);
const CUSTOMERS = arg('customers', 10_000);

/** Sends for SECONDS from `concurrency` loops; every request is timed. */
async function load(
	scenario: string,
	server: ChildProcess,
	concurrency: number,
	recordsPerRequest: number,
	send: (i: number) => Promise<RawResponse>,
	ok: (r: RawResponse) => boolean,
): Promise<Row> {
	const latencies: number[] = [];
	let errors = 0;
	let n = 0;
	const end = Date.now() + SECONDS * 1000;
	const started = process.hrtime.bigint();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (Date.now() < end) {
				const i = n++;
				const t = process.hrtime.bigint();
				const res = await send(i);
				latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
				if (!ok(res) && ++errors === 1) console.error(`${scenario}: unexpected ${res.status} ${res.body.slice(0, 300)}`);
			}
		}),
	);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	return { scenario, requests: latencies.length, errors, seconds, records: latencies.length * recordsPerRequest, latencies, rssMb: peakRssMb(server) };
}

const ok2xx = (r: RawResponse) => r.status >= 200 && r.status < 300;
const batchOk = (r: RawResponse) => r.status === 200 && !/HTTP\/1\.1 [45]/.test(r.body);

async function main(): Promise<void> {
	const basePort = await freePort();
	const baseline = spawn(
		process.execPath,
		['-e', `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/json'});s.end('{"value":[]}')})}).listen(${basePort},'127.0.0.1')`],
		{ stdio: 'ignore' },
	);
	const emu = await startEmulatorProcess(CUSTOMERS);
	try {
		const { fo, dataverse: dv } = emu;
		const base = `http://127.0.0.1:${basePort}`;
		const foH = { authorization: `Bearer ${await emu.token(fo)}`, accept: 'application/json', 'content-type': 'application/json' };
		const dvH = { authorization: `Bearer ${await emu.token(dv)}`, accept: 'application/json', 'content-type': 'application/json', 'odata-version': '4.0' };
		const page = await request(`${dv}/api/data/v9.2/accounts?$select=accountid`, 'GET', { ...dvH, prefer: 'odata.maxpagesize=5000' });
		const ids = (JSON.parse(page.body) as { value: Array<{ accountid: string }> }).value.map((a) => a.accountid);
		const account = (i: number) => `US-${String((i % CUSTOMERS) + 1).padStart(6, '0')}`;
		const foKey = (i: number) => `${fo}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='${account(i)}')`;
		const dvId = (i: number) => `/api/data/v9.2/accounts(${ids[i % ids.length]})`;
		const rows: Row[] = [];
		rows.push(await load('baseline: do-nothing server, GET', baseline, CONCURRENCY, 1, () => request(`${base}/x`, 'GET', {}), ok2xx));
		rows.push(await load('F&O GET by key', emu.child, CONCURRENCY, 1, (i) => request(foKey(i), 'GET', foH), ok2xx));
		rows.push(await load('F&O PATCH by key', emu.child, CONCURRENCY, 1, (i) => request(foKey(i), 'PATCH', { ...foH, 'if-match': '*' }, JSON.stringify({ CreditLimit: i % 10_000 })), ok2xx));
		rows.push(
			await load('F&O $batch of 1000 PATCH (1 changeset)', emu.child, 2, 1000, (i) => {
				const parts = Array.from({ length: 1000 }, (_, k) => ({ method: 'PATCH', url: foKey(i * 1000 + k), body: { CreditLimit: k } }));
				return request(`${fo}/data/$batch`, 'POST', { ...foH, 'content-type': `multipart/mixed; boundary=batch_b${i}` }, batchBody(`b${i}`, parts));
			}, batchOk),
		);
		rows.push(await load('Dataverse GET by id', emu.child, CONCURRENCY, 1, (i) => request(`${dv}${dvId(i)}`, 'GET', dvH), ok2xx));
		rows.push(await load('Dataverse PATCH (upsert) by id', emu.child, CONCURRENCY, 1, (i) => request(`${dv}${dvId(i)}`, 'PATCH', dvH, JSON.stringify({ creditlimit: i % 10_000 })), ok2xx));
		rows.push(
			await load('Dataverse $batch of 1000 upserts (1 changeset)', emu.child, 2, 1000, (i) => {
				const parts = Array.from({ length: 1000 }, (_, k) => ({ method: 'PATCH', url: dvId(i * 1000 + k), body: { creditlimit: k } }));
				return request(`${dv}/api/data/v9.2/$batch`, 'POST', { ...dvH, 'content-type': `multipart/mixed; boundary=batch_b${i}` }, batchBody(`b${i}`, parts));
			}, batchOk),
		);
		printTable(`Emulator throughput — ${SECONDS} s per row, ${CONCURRENCY} concurrent (batches: 2), ${CUSTOMERS} customers/company, loopback, ${process.version}`, rows);
	} finally {
		emu.stop();
		baseline.kill('SIGTERM');
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
