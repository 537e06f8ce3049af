/**
 * Emulator throughput: the emulators must never be the bottleneck of our benchmarks. Runs the emulators in a
 * child process (as `npm run emulators` does) and a do-nothing HTTP server as the baseline in another, then
 * drives both from this process over loopback with keep-alive connections and prints one table.
 *
 *   npm run bench:emulators [-- --seconds 3 --concurrency 16 --customers 10000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INTEGRATION_APP, TENANT_ID } from '../emulators/common/directory';
import { freePort } from '../test/support/n8n/instance';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const CONCURRENCY = arg('concurrency', 16);
const CUSTOMERS = arg('customers', 10_000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Res {
	status: number;
	body: string;
}

function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Res> {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method, headers, agent }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
		});
		req.on('error', reject);
		if (body !== undefined) req.end(body);
		else req.end();
	});
}

function peakRssMb(child: ChildProcess): number {
	const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
	return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Row {
	scenario: string;
	requests: number;
	errors: number;
	reqPerSec: number;
	recordsPerSec: number;
	p50: number;
	p95: number;
	p99: number;
	rssMb: number;
}

async function load(
	scenario: string,
	child: ChildProcess,
	concurrency: number,
	recordsPerRequest: number,
	send: (i: number) => Promise<Res>,
	ok: (r: Res) => boolean,
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
				if (!ok(res)) {
					errors++;
					if (errors === 1) console.error(`${scenario}: unexpected ${res.status} ${res.body.slice(0, 300)}`);
				}
			}
		}),
	);
	const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
	latencies.sort((a, b) => a - b);
	const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
	return {
		scenario,
		requests: latencies.length,
		errors,
		reqPerSec: latencies.length / elapsed,
		recordsPerSec: (latencies.length * recordsPerRequest) / elapsed,
		p50: q(0.5),
		p95: q(0.95),
		p99: q(0.99),
		rssMb: peakRssMb(child),
	};
}

async function waitFor(url: string): Promise<void> {
	for (let i = 0; i < 600; i++) {
		try {
			await request(url, 'GET', {});
			return;
		} catch {
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	throw new Error(`${url} did not come up`);
}

function batchBody(boundary: string, parts: Array<{ method: string; url: string; body: unknown }>): string {
	const cs = `changeset_${boundary}`;
	const lines = [`--batch_${boundary}`, `Content-Type: multipart/mixed; boundary=${cs}`, ''];
	parts.forEach((p, i) => {
		lines.push(`--${cs}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${i + 1}`, '');
		lines.push(`${p.method} ${p.url} HTTP/1.1`, 'Content-Type: application/json', '', JSON.stringify(p.body));
	});
	lines.push(`--${cs}--`, `--batch_${boundary}--`, '');
	return lines.join('\r\n');
}

async function main(): Promise<void> {
	const [tokenPort, foPort, dvPort, basePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
	const root = path.resolve(__dirname, '..');
	// `--import tsx` keeps the server in this child itself (the tsx CLI would fork again), so /proc shows its memory.
	const emu = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'emulators', 'cli.ts')], {
		env: { ...process.env, DW_TOKEN_PORT: String(tokenPort), DW_FO_PORT: String(foPort), DW_DATAVERSE_PORT: String(dvPort), DW_CUSTOMERS_PER_COMPANY: String(CUSTOMERS) },
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const baseline = spawn(
		process.execPath,
		['-e', `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/json'});s.end('{"value":[]}')})}).listen(${basePort},'127.0.0.1')`],
		{ stdio: 'ignore' },
	);
	try {
		const fo = `http://127.0.0.1:${foPort}`;
		const dv = `http://127.0.0.1:${dvPort}`;
		const base = `http://127.0.0.1:${basePort}`;
		await Promise.all([waitFor(`${fo}/_emulator/stats`), waitFor(`${dv}/_emulator/stats`), waitFor(base)]);
		const token = async (resource: string) => {
			const res = await request(`http://127.0.0.1:${tokenPort}/${TENANT_ID}/oauth2/v2.0/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' },
				new URLSearchParams({ grant_type: 'client_credentials', client_id: INTEGRATION_APP.clientId, client_secret: INTEGRATION_APP.clientSecret, scope: `${resource}/.default` }).toString());
			return (JSON.parse(res.body) as { access_token: string }).access_token;
		};
		const foH = { authorization: `Bearer ${await token(fo)}`, accept: 'application/json', 'content-type': 'application/json' };
		const dvH = { authorization: `Bearer ${await token(dv)}`, accept: 'application/json', 'content-type': 'application/json', 'odata-version': '4.0' };
		const ids = (JSON.parse((await request(`${dv}/api/data/v9.2/accounts?$select=accountid`, 'GET', { ...dvH, prefer: 'odata.maxpagesize=5000' })).body) as { value: Array<{ accountid: string }> }).value.map((a) => a.accountid);
		const account = (i: number) => `US-${String((i % CUSTOMERS) + 1).padStart(6, '0')}`;
		const foKey = (i: number) => `${fo}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='${account(i)}')`;
		const ok2xx = (r: Res) => r.status >= 200 && r.status < 300;
		const rows: Row[] = [];
		rows.push(await load('baseline: do-nothing server, GET', baseline, CONCURRENCY, 1, () => request(`${base}/x`, 'GET', {}), ok2xx));
		rows.push(await load('F&O GET by key', emu, CONCURRENCY, 1, (i) => request(foKey(i), 'GET', foH), ok2xx));
		rows.push(await load('F&O PATCH by key', emu, CONCURRENCY, 1, (i) => request(foKey(i), 'PATCH', { ...foH, 'if-match': '*' }, JSON.stringify({ CreditLimit: i % 10_000 })), ok2xx));
		rows.push(
			await load('F&O $batch of 1000 PATCH (1 changeset)', emu, 2, 1000, (i) => {
				const parts = Array.from({ length: 1000 }, (_, k) => ({ method: 'PATCH', url: foKey(i * 1000 + k), body: { CreditLimit: k } }));
				return request(`${fo}/data/$batch`, 'POST', { ...foH, 'content-type': `multipart/mixed; boundary=batch_b${i}` }, batchBody(`b${i}`, parts));
			}, (r) => r.status === 200 && !r.body.includes('HTTP/1.1 4') && !r.body.includes('HTTP/1.1 5')),
		);
		rows.push(await load('Dataverse GET by id', emu, CONCURRENCY, 1, (i) => request(`${dv}/api/data/v9.2/accounts(${ids[i % ids.length]})`, 'GET', dvH), ok2xx));
		rows.push(await load('Dataverse PATCH (upsert) by id', emu, CONCURRENCY, 1, (i) => request(`${dv}/api/data/v9.2/accounts(${ids[i % ids.length]})`, 'PATCH', dvH, JSON.stringify({ creditlimit: i % 10_000 })), ok2xx));
		rows.push(
			await load('Dataverse $batch of 1000 upserts (1 changeset)', emu, 2, 1000, (i) => {
				const parts = Array.from({ length: 1000 }, (_, k) => ({ method: 'PATCH', url: `/api/data/v9.2/accounts(${ids[(i * 1000 + k) % ids.length]})`, body: { creditlimit: k } }));
				return request(`${dv}/api/data/v9.2/$batch`, 'POST', { ...dvH, 'content-type': `multipart/mixed; boundary=batch_b${i}` }, batchBody(`b${i}`, parts));
			}, (r) => r.status === 200 && !r.body.includes('HTTP/1.1 4') && !r.body.includes('HTTP/1.1 5')),
		);
		console.log(`\nEmulator throughput — ${SECONDS} s per row, ${CONCURRENCY} concurrent (batches: 2), ${CUSTOMERS} customers/company, loopback, ${process.version}\n`);
		console.log('| scenario | requests | errors | req/s | records/s | p50 ms | p95 ms | p99 ms | server peak RSS MB |');
		console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
		for (const r of rows) {
			console.log(`| ${r.scenario} | ${r.requests} | ${r.errors} | ${r.reqPerSec.toFixed(0)} | ${r.recordsPerSec.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rssMb.toFixed(0)} |`);
		}
	} finally {
		emu.kill('SIGTERM');
		baseline.kill('SIGTERM');
		agent.destroy();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
