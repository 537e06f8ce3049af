/**
 * State store throughput: what the journal costs on top of SQLite itself. Each scenario runs in its own child
 * process (so peak memory is its own) on a fresh file:
 *   store     — openSqliteStateStore: append in batches of 1,000 (de-dup index, order keys), then claimBatch(1,000) +
 *               complete(all done) until the journal is drained (order-per-key check, leases, map state).
 *   baseline  — raw node:sqlite on a table with the same columns and no secondary indexes: INSERT the same rows in
 *               transactions of 1,000, then UPDATE 1,000 rows to in-flight and to done per batch.
 * Both with synchronous=FULL (the store's default: a commit survives power loss) and NORMAL.
 *
 *   node --import tsx bench/state-store.bench.ts [--changes 50000] [--keys 20000]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStateStore, type NewChange } from '../lib/state';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHANGES = arg('changes', 50_000);
const KEYS = arg('keys', 20_000);
const BATCH = 1_000;

type Backend = 'store' | 'baseline';
type Sync = 'full' | 'normal';

interface Result {
	backend: Backend;
	sync: Sync;
	appendPerSec: number;
	appendP50: number;
	appendP99: number;
	drainPerSec: number;
	drainP50: number;
	drainP99: number;
	batches: number;
	peakRssMb: number;
}

function change(i: number): NewChange {
	const account = `C-${String(i % KEYS).padStart(6, '0')}`;
	return {
		map: 'customers-v3-accounts',
		direction: 'fo->dataverse',
		change: 'update',
		source: { entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: account }, version: String(i), eventId: `evt-${i}` },
		target: { entity: 'accounts', key: { accountnumber: account, 'msdyn_company.cdm_companycode': 'usmf' } },
		payload: { CustomerAccount: account, OrganizationName: `Customer ${i}`, CreditLimit: i % 10_000, SalesCurrencyCode: 'USD', AddressCity: 'Seattle' },
	};
}

function percentile(sorted: number[], p: number): number {
	return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function timed(latencies: number[], fn: () => void): void {
	const start = process.hrtime.bigint();
	fn();
	latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
}

async function timedAsync<T>(latencies: number[], fn: () => Promise<T>): Promise<T> {
	const start = process.hrtime.bigint();
	const result = await fn();
	latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
	return result;
}

function summarise(backend: Backend, sync: Sync, append: number[], drain: number[], drained: number): Result {
	const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
	const a = [...append].sort((x, y) => x - y);
	const d = [...drain].sort((x, y) => x - y);
	const status = readFileSync('/proc/self/status', 'utf8');
	return {
		backend,
		sync,
		appendPerSec: (CHANGES / total(append)) * 1000,
		appendP50: percentile(a, 50),
		appendP99: percentile(a, 99),
		drainPerSec: (drained / total(drain)) * 1000,
		drainP50: percentile(d, 50),
		drainP99: percentile(d, 99),
		batches: drain.length,
		peakRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
	};
}

async function runStore(file: string, sync: Sync): Promise<Result> {
	const store = await openSqliteStateStore({ file, synchronous: sync });
	const append: number[] = [];
	for (let start = 0; start < CHANGES; start += BATCH) {
		const changes = Array.from({ length: Math.min(BATCH, CHANGES - start) }, (_, i) => change(start + i));
		await timedAsync(append, () => store.append(changes));
	}
	const drain: number[] = [];
	let drained = 0;
	for (;;) {
		const n = await timedAsync(drain, async () => {
			const batch = await store.claimBatch('customers-v3-accounts', BATCH, { leaseMs: 60_000 });
			if (batch.lease === undefined) return 0;
			await store.complete(
				batch.lease,
				batch.changes.map((c) => ({ id: c.id, status: 'done' as const })),
			);
			return batch.changes.length;
		});
		if (n === 0) {
			drain.pop();
			break;
		}
		drained += n;
	}
	const counts = await store.counts('customers-v3-accounts');
	if (counts.done !== CHANGES) throw new Error(`store drained ${counts.done} of ${CHANGES}`);
	await store.close();
	return summarise('store', sync, append, drain, drained);
}

function runBaseline(file: string, sync: Sync): Result {
	const db = new DatabaseSync(file);
	db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync.toUpperCase()}`);
	db.exec(`CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT, map TEXT, direction TEXT, change TEXT, source_system TEXT,
		source_entity TEXT, source_key TEXT, source_version TEXT, event_id TEXT, target_system TEXT, target_entity TEXT, target_key TEXT,
		order_key TEXT, payload TEXT, status TEXT, attempts INTEGER, next_attempt_at INTEGER, created_at INTEGER, updated_at INTEGER)`);
	const insert = db.prepare(`INSERT INTO journal (map, direction, change, source_system, source_entity, source_key, source_version, event_id,
		target_system, target_entity, target_key, order_key, payload, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, 'fo', ?, ?, ?, ?, 'dataverse', ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
	const append: number[] = [];
	for (let start = 0; start < CHANGES; start += BATCH) {
		const changes = Array.from({ length: Math.min(BATCH, CHANGES - start) }, (_, i) => change(start + i));
		timed(append, () => {
			db.exec('BEGIN IMMEDIATE');
			const now = Date.now();
			for (const c of changes) {
				const key = JSON.stringify(c.source.key);
				insert.run(c.map, c.direction, c.change, c.source.entity ?? null, key, c.source.version ?? null, c.source.eventId ?? null,
					c.target?.entity ?? null, JSON.stringify(c.target?.key), key, JSON.stringify(c.payload), now, now, now);
			}
			db.exec('COMMIT');
		});
	}
	const take = db.prepare("UPDATE journal SET status = 'in-flight', attempts = attempts + 1, updated_at = ? WHERE id > ? AND id <= ?");
	const read = db.prepare('SELECT * FROM journal WHERE id > ? AND id <= ?');
	const finish = db.prepare("UPDATE journal SET status = 'done', updated_at = ? WHERE id > ? AND id <= ?");
	const drain: number[] = [];
	for (let start = 0; start < CHANGES; start += BATCH) {
		timed(drain, () => {
			db.exec('BEGIN IMMEDIATE');
			take.run(Date.now(), start, start + BATCH);
			read.all(start, start + BATCH);
			db.exec('COMMIT');
			db.exec('BEGIN IMMEDIATE');
			finish.run(Date.now(), start, start + BATCH);
			db.exec('COMMIT');
		});
	}
	db.close();
	return summarise('baseline', sync, append, drain, CHANGES);
}

async function child(backend: Backend, sync: Sync): Promise<void> {
	const dir = mkdtempSync(path.join(tmpdir(), 'dw-state-bench-'));
	try {
		const file = path.join(dir, 'state.sqlite');
		const result = backend === 'store' ? await runStore(file, sync) : runBaseline(file, sync);
		process.send?.(result);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function runChild(backend: Backend, sync: Sync): Promise<Result> {
	return new Promise((resolve, reject) => {
		const proc = fork(__filename, ['--child', backend, sync, '--changes', String(CHANGES), '--keys', String(KEYS)], { execArgv: ['--import', 'tsx'] });
		let result: Result | undefined;
		proc.on('message', (message) => (result = message as Result));
		proc.on('error', reject);
		proc.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${backend}/${sync} exited with ${code}`))));
	});
}

async function main(): Promise<void> {
	const childAt = process.argv.indexOf('--child');
	if (childAt > 0) {
		await child(process.argv[childAt + 1] as Backend, process.argv[childAt + 2] as Sync);
		return;
	}
	const results: Result[] = [];
	for (const sync of ['full', 'normal'] as const) {
		for (const backend of ['store', 'baseline'] as const) results.push(await runChild(backend, sync));
	}
	const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
	console.log(`\nState store: ${fmt(CHANGES)} changes over ${fmt(KEYS)} keys, batches of ${fmt(BATCH)}, Node ${process.versions.node}, SQLite ${sqliteVersion()}\n`);
	const header = ['scenario', 'sync', 'append/s', 'append p50 ms', 'append p99 ms', 'claim+complete/s', 'batch p50 ms', 'batch p99 ms', 'batches', 'peak RSS MB'];
	const rows = results.map((r) => [
		r.backend,
		r.sync,
		fmt(r.appendPerSec),
		fmt(r.appendP50, 1),
		fmt(r.appendP99, 1),
		fmt(r.drainPerSec),
		fmt(r.drainP50, 1),
		fmt(r.drainP99, 1),
		fmt(r.batches),
		fmt(r.peakRssMb),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
	console.log(line(header));
	console.log(`|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
	for (const row of rows) console.log(line(row));
	console.log('\nbatch = one claimBatch + complete for the store; UPDATE to in-flight + UPDATE to done for the baseline.');
	console.log('The store claims at most one change per key per batch (order per key), so batches can run below 1,000.');
}

function sqliteVersion(): string {
	const db = new DatabaseSync(':memory:');
	const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
	db.close();
	return version;
}

void main();
