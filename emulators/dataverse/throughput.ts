/**
 * Quick throughput check of the Dataverse emulator (not a benchmark of our product): GET by alternate
 * key, PATCH upsert (update and create) and `$batch` of 1,000 upserts, measured twice: calling the
 * handler in-process (the emulator's own cost) and over loopback HTTP with a keep-alive client, next to
 * a no-op server on the same HTTP stack (the ceiling the machine allows).
 * Run: `npx tsx emulators/dataverse/throughput.ts [customersPerCompany] [concurrency]`.
 */
import http from 'node:http';
import { INTEGRATION_APP, signToken, TENANT_ID } from '../common/directory';
import { json, makeRequest, startHttpServer, type Handler } from '../common/http';
import { createDataverseEmulator, type DataverseEmulator } from './index';

type Call = (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<number>;

function httpCaller(base: string, concurrency: number): Call {
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
	const u = new URL(base);
	return (method, path, headers, body) =>
		new Promise((resolve, reject) => {
			const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent }, (res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode ?? 0));
			});
			req.on('error', reject);
			req.end(body);
		});
}

function inProcessCaller(handler: Handler): Call {
	return async (method, path, headers, body) => (await handler(makeRequest(method, path, headers, Buffer.from(body ?? '')))).status;
}

async function run(label: string, total: number, concurrency: number, fn: (i: number) => Promise<number>, expected: number, unit = 1): Promise<void> {
	let next = 0;
	const start = process.hrtime.bigint();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < total) {
				const status = await fn(next++);
				if (status !== expected) throw new Error(`${label}: unexpected status ${status}`);
			}
		}),
	);
	const sec = Number(process.hrtime.bigint() - start) / 1e9;
	const extra = unit > 1 ? `  (${Math.round((total * unit) / sec)} upserts/s)` : '';
	console.log(`  ${label.padEnd(36)} ${String(total).padStart(6)} in ${sec.toFixed(2).padStart(6)} s = ${String(Math.round(total / sec)).padStart(6)} req/s${extra}`);
}

async function main(): Promise<void> {
	const perCompany = Number(process.argv[2] ?? 10000);
	const concurrency = Number(process.argv[3] ?? 16);
	const box: { dv?: DataverseEmulator } = {};
	const server = await startHttpServer((req) => (box.dv as DataverseEmulator).handler(req), 0);
	const noop = await startHttpServer(async () => json(200, { ok: true }), 0);
	const t0 = Date.now();
	const dv = createDataverseEmulator({ baseUrl: server.url, seed: { customersPerCompany: perCompany }, project: ['customerGroups', 'customers'] });
	box.dv = dv;
	const rows = (t: string) => dv.engine.store.of(t).rows.size;
	console.log(`seeded ${rows('account')} accounts + ${rows('contact')} contacts in ${Date.now() - t0} ms; concurrency ${concurrency}`);
	const now = Math.floor(Date.now() / 1000);
	const token = signToken({ aud: server.url, iss: 'x', iat: now, nbf: now, exp: now + 3600, appid: INTEGRATION_APP.clientId, oid: INTEGRATION_APP.objectId, tid: TENANT_ID, ver: '2.0' });
	const H = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
	const company = [...dv.engine.store.of('cdm_company').rows.values()].find((r) => r.cdm_companycode === 'usmf')?.cdm_companyid as string;
	const accounts = [...dv.engine.store.of('account').rows.values()].filter((r) => (r.msdyn_company as { id: string } | null)?.id === company);
	const numbers = accounts.map((r) => r.accountnumber as string);
	const ids = accounts.map((r) => r.accountid as string);
	const key = (n: string) => `/api/data/v9.2/accounts(accountnumber='${encodeURIComponent(n.replace(/'/g, "''"))}',_msdyn_company_value=${company})`;
	const batchOf = (tag: string, b: number) => {
		const lines: string[] = ['--batch_b', 'Content-Type: multipart/mixed; boundary=changeset_c', ''];
		for (let i = 0; i < 1000; i++) {
			lines.push('--changeset_c', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${i + 1}`, '');
			lines.push(`PATCH accounts(accountnumber='${tag}-${b}-${i}',_msdyn_company_value=${company}) HTTP/1.1`, 'Content-Type: application/json', '', JSON.stringify({ name: `Batch ${b} ${i}`, creditlimit: i }));
		}
		lines.push('--changeset_c--', '--batch_b--', '');
		return lines.join('\r\n');
	};
	const suites: Array<[string, Call]> = [
		['in-process handler', inProcessCaller(dv.handler)],
		['loopback HTTP', httpCaller(server.url, concurrency)],
	];
	const ceiling = httpCaller(noop.url, concurrency);
	console.log('no-op server on the same HTTP stack (ceiling):');
	await run('GET', 20000, concurrency, () => ceiling('GET', '/', {}), 200);
	for (const [name, call] of suites) {
		console.log(`${name}:`);
		const tag = name.startsWith('in') ? 'IP' : 'HT';
		await run('GET by alternate key', 20000, concurrency, (i) => call('GET', key(numbers[i % numbers.length]), H), 200);
		await run('GET by GUID', 20000, concurrency, (i) => call('GET', `/api/data/v9.2/accounts(${ids[i % ids.length]})`, H), 200);
		await run('PATCH upsert (update)', 20000, concurrency, (i) => call('PATCH', key(numbers[i % numbers.length]), H, JSON.stringify({ telephone1: String(i) })), 204);
		await run('PATCH upsert (create)', 20000, concurrency, (i) => call('PATCH', key(`${tag}-${i}`), H, JSON.stringify({ name: `Bench ${i}` })), 204);
		await run('$batch of 1,000 upserts (change set)', 30, Math.min(concurrency, 4), (b) => call('POST', '/api/data/v9.2/$batch', { ...H, 'content-type': 'multipart/mixed; boundary=batch_b' }, batchOf(tag, b)), 200, 1000);
	}
	await server.close();
	await noop.close();
	process.exit(0);
}

void main();
