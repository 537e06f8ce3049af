/**
 * Shared by the benchmarks: the emulators in a child process of their own (so the load generator and the server
 * under test do not share a core's event loop), loopback HTTP with keep-alive, tokens, peak memory from /proc,
 * and the result table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INTEGRATION_APP, TENANT_ID, USER_APP } from '../../emulators/common/directory';
import type { RunningEmulators } from '../../emulators';
import { freePort } from '../../test/support/n8n/instance';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface RawResponse {
	status: number;
	body: string;
}

export function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
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

export function peakRssMb(child: ChildProcess): number {
	const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
	return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
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

export interface EmulatorProcess {
	child: ChildProcess;
	tokenUrl: string;
	fo: string;
	dataverse: string;
	/** A bearer token of the integration app for a resource (an emulator's origin). */
	token(resource: string): Promise<string>;
	stop(): void;
}

export async function startEmulatorProcess(customersPerCompany: number): Promise<EmulatorProcess> {
	const [tokenPort, foPort, dvPort] = await Promise.all([freePort(), freePort(), freePort()]);
	const root = path.resolve(__dirname, '..', '..');
	// `--import tsx` keeps the server in this child itself (the tsx CLI would fork again), so /proc shows its memory.
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'emulators', 'cli.ts')], {
		env: {
			...process.env,
			DW_TOKEN_PORT: String(tokenPort),
			DW_FO_PORT: String(foPort),
			DW_DATAVERSE_PORT: String(dvPort),
			DW_CUSTOMERS_PER_COMPANY: String(customersPerCompany),
		},
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const fo = `http://127.0.0.1:${foPort}`;
	const dataverse = `http://127.0.0.1:${dvPort}`;
	const tokenUrl = `http://127.0.0.1:${tokenPort}/${TENANT_ID}/oauth2/v2.0/token`;
	await Promise.all([waitFor(`${fo}/_emulator/stats`), waitFor(`${dataverse}/_emulator/stats`)]);
	return {
		child,
		tokenUrl,
		fo,
		dataverse,
		token: async (resource) => {
			const form = { grant_type: 'client_credentials', client_id: INTEGRATION_APP.clientId, client_secret: INTEGRATION_APP.clientSecret, scope: `${resource}/.default` };
			const res = await request(tokenUrl, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString());
			return (JSON.parse(res.body) as { access_token: string }).access_token;
		},
		stop: () => {
			child.kill('SIGTERM');
			agent.destroy();
		},
	};
}

/** A `$batch` body with one changeset: `[{method, url, body}]`, CRLF as the spec has it. */
export function batchBody(boundary: string, parts: Array<{ method: string; url: string; body: unknown; headers?: Record<string, string> }>): string {
	const cs = `changeset_${boundary}`;
	const lines = [`--batch_${boundary}`, `Content-Type: multipart/mixed; boundary=${cs}`, ''];
	parts.forEach((p, i) => {
		lines.push(`--${cs}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${i + 1}`, '');
		lines.push(`${p.method} ${p.url} HTTP/1.1`, 'Content-Type: application/json', ...Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}`), '', JSON.stringify(p.body));
	});
	lines.push(`--${cs}--`, `--batch_${boundary}--`, '');
	return lines.join('\r\n');
}

export interface Row {
	scenario: string;
	requests: number;
	errors: number;
	seconds: number;
	records: number;
	latencies: number[];
	rssMb: number;
}

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

export function printTable(title: string, rows: Row[]): void {
	console.log(`\n${title}\n`);
	console.log('| scenario | records | requests | errors | records/s | req/s | p50 ms | p95 ms | p99 ms | server peak RSS MB |');
	console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
	for (const r of rows) {
		const sorted = [...r.latencies].sort((a, b) => a - b);
		console.log(
			`| ${r.scenario} | ${r.records} | ${r.requests} | ${r.errors} | ${(r.records / r.seconds).toFixed(0)} | ${(r.requests / r.seconds).toFixed(0)} | ${quantile(sorted, 0.5).toFixed(1)} | ${quantile(sorted, 0.95).toFixed(1)} | ${quantile(sorted, 0.99).toFixed(1)} | ${r.rssMb.toFixed(0)} |`,
		);
	}
}

/** What initialCopy and the credentials read of a RunningEmulators: URLs and the app registrations. */
export function emulatorsOf(emu: EmulatorProcess): RunningEmulators {
	const tokenOrigin = new URL(emu.tokenUrl).origin;
	return {
		token: { url: tokenOrigin, tokenUrl: emu.tokenUrl, tokenUrlV1: `${tokenOrigin}/${TENANT_ID}/oauth2/token` },
		fo: { url: emu.fo },
		dataverse: { url: emu.dataverse },
		tenantId: TENANT_ID,
		integrationApp: { clientId: INTEGRATION_APP.clientId, clientSecret: INTEGRATION_APP.clientSecret },
		userApp: { clientId: USER_APP.clientId, clientSecret: USER_APP.clientSecret },
	} as unknown as RunningEmulators;
}
