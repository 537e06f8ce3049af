/**
 * Initial sync of customers V3 → accounts (organisations), F&O → Dataverse, at table scale (default 100,000
 * organisation customers), through a real n8n (2.40.7, the packed package from dist/): a workflow Webhook → Dual-Write
 * (Initial Sync > Run, map customers-v3-accounts, master side F&O), triggered over HTTP. Side by side with a raw-HTTP
 * baseline (bench/support/initialSyncBaseline.ts, its own process, neither n8n nor lib/) that sends what the engine
 * sends: the same F&O reads, the same read of each target account by alternate key (8 in flight per write call), the
 * same `$batch` upserts with the same batch size and concurrency. Optional middle variant `engine`
 * (bench/support/initialSyncEngine.ts): lib/'s runInitialSync without n8n, in its own process, over the tests' axios
 * transport — it splits the gap into what lib/ costs and what n8n adds. Each variant gets a fresh emulator pair (own
 * process) seeded so that the count of organisation customers is reached; the map's prerequisites (the other core
 * maps: legal entities, currencies, terms, groups, payment setup, tax groups, vendors) are copied first and not measured.
 *
 *   npm run build && npm run bench:initial-sync [-- --records 100000 --variants baseline,engine,n8n --page-size 1000
 *       --batch-size 200 --concurrency 4 --baseline-reads engine|keyset --baseline-batch-limit 100 --sample-ms 200
 *       --expression-engine legacy --cpu-prof --keep]
 *
 * Default variants: baseline,n8n. `--records` (or DW_BENCH_RECORDS) takes a list (`20000,100000`): every count runs
 * every variant, which shows how peak memory grows (or not) with the table. Measured: wall time (n8n: from the webhook call to the execution's end;
 * engine and baseline: their run), records created in Dataverse (counted in the emulator), peak RSS of the n8n main
 * process (N8nInstance.pid) or of the engine's or baseline's process, sampled from /proc/<pid>/status every 200 ms — never the emulators'.
 * The baseline also times each write call (a chunk's target reads and its `$batch`es). `--cpu-prof` writes a V8 CPU
 * profile of n8n (NODE_OPTIONS) into its user folder, kept with `--keep`. Benches never assert on times.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { COMPANIES, generateCustomers } from '../emulators/common/world';
import { CORE_MAPS } from '../lib/maps';
import { defaultStateFile, openSqliteStateStore, type StateStore } from '../lib/state';
import type { MapSyncReport } from '../lib/sync';
import { emulatorCredentials, DEMO_CREDENTIALS } from '../scripts/emulatorCredentials';
import { initialCopy } from '../scripts/initialCopy';
import { startN8n, type N8nInstance, type WorkflowJson } from '../test/support/n8n/instance';
import { checkDist, machine } from './support/machine';
import { emulatorsOf, request, startEmulatorProcess, type EmulatorProcess } from './support/emulatorProcess';
import type { BaselineOptions, BaselineResult } from './support/initialSyncBaseline';
import type { EngineOptions } from './support/initialSyncEngine';

const argText = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const argNum = (name: string, fallback: number) => Number(argText(name, String(fallback)));
const RECORDS = argText('records', process.env.DW_BENCH_RECORDS ?? '100000')
	.split(',')
	.map((n) => Number(n.replace(/_/g, '')));
const VARIANTS = argText('variants', 'baseline,n8n').split(',') as Array<'baseline' | 'engine' | 'n8n'>;
const PAGE_SIZE = argNum('page-size', 1000);
const BATCH_SIZE = argNum('batch-size', 200);
const CONCURRENCY = argNum('concurrency', 4);
const BASELINE_READS = argText('baseline-reads', 'engine') as BaselineOptions['reads'];
/** Records per `$batch` request of the baseline: the engine's Dataverse connector cuts a write call into `$batch`es of 100. */
const BASELINE_BATCH_LIMIT = argNum('baseline-batch-limit', Math.min(BATCH_SIZE, 100));
const SAMPLE_MS = argNum('sample-ms', 200);
const CPU_PROF = process.argv.includes('--cpu-prof');
/** n8n's expression engine (`N8N_EXPRESSION_ENGINE`; n8n's default is `vm`, isolated-vm): it evaluates the credentials' computed token URL and scope on every request. */
const EXPRESSION_ENGINE = argText('expression-engine', '');
const KEEP = process.argv.includes('--keep');

const MAP = 'customers-v3-accounts';
const PREREQUISITES = CORE_MAPS.filter((id) => id !== MAP);
const WORKFLOW_ID = 'dwbenchinitsync1';
const WEBHOOK_PATH = 'bench-initial-sync';
/** Microsoft's training material on dual-write's initial sync: about 100 records a minute (a reference, not measured here). */
const MICROSOFT_RECORDS_PER_MINUTE = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const load1 = () => os.loadavg()[0];

// ---------------------------------------------------------------------------------------------------------------
// Memory of one process, from /proc.

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	try {
		return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
	} catch {
		return NaN;
	}
}

/** VmRSS every `everyMs`: the peak while it ran, and the RSS at each progress mark. */
class RssSampler {
	peakKb = 0;
	private timer?: NodeJS.Timeout;
	constructor(
		readonly pid: number,
		private readonly everyMs: number,
	) {}
	nowMb(): number {
		return procStatusKb(this.pid, 'VmRSS') / 1024;
	}
	start(): void {
		const sample = () => {
			const kb = procStatusKb(this.pid, 'VmRSS');
			if (Number.isFinite(kb)) this.peakKb = Math.max(this.peakKb, kb);
		};
		sample();
		this.timer = setInterval(sample, this.everyMs);
	}
	stop(): number {
		clearInterval(this.timer);
		const kb = procStatusKb(this.pid, 'VmRSS');
		if (Number.isFinite(kb)) this.peakKb = Math.max(this.peakKb, kb);
		return this.peakKb / 1024;
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding and emulators.

/** Customers per company such that the three companies hold at least `wanted` organisations (the map syncs only those). */
function customersPerCompanyFor(wanted: number): { perCompany: number; organisations: number; customers: number } {
	const generators = COMPANIES.map((company) => generateCustomers(company, Number.MAX_SAFE_INTEGER));
	let organisations = 0;
	let perCompany = 0;
	while (organisations < wanted) {
		perCompany++;
		for (const generator of generators) if ((generator.next().value as { partyType: string }).partyType === 'Organization') organisations++;
	}
	return { perCompany, organisations, customers: perCompany * COMPANIES.length };
}


async function accountRows(emu: EmulatorProcess): Promise<number> {
	const tables = JSON.parse((await request(`${emu.dataverse}/_emulator/tables`, 'GET', {})).body) as Array<{ logicalName: string; rows: number }>;
	return tables.find((t) => t.logicalName === 'account')?.rows ?? NaN;
}

async function requestCounts(emu: EmulatorProcess): Promise<{ fo: number; dataverse: number }> {
	const read = async (origin: string) => (JSON.parse((await request(`${origin}/_emulator/stats`, 'GET', {})).body) as { totalRequests: number }).totalRequests;
	const [fo, dataverse] = await Promise.all([read(emu.fo), read(emu.dataverse)]);
	return { fo, dataverse };
}

// ---------------------------------------------------------------------------------------------------------------
// Results.

interface Row {
	variant: string;
	organisations: number;
	/** Accounts the run added to Dataverse (emulator row count after − before). */
	created: number;
	failed: number;
	seconds: number;
	peakRssMb: number;
	/** RSS when the run started (n8n: idle after start-up). */
	startRssMb: number;
	chunkMs: number[];
	foRequests: number;
	dvRequests: number;
	loadStart: number;
	loadEnd: number;
	/** [records done, RSS MB] while it ran. */
	rssByProgress: Array<[number, number]>;
	notes: string[];
}

function printTable(rows: Row[]): void {
	console.log(`\nInitial sync customers V3 → accounts (organisations), F&O → Dataverse: page size ${PAGE_SIZE}, write batch size ${BATCH_SIZE}, concurrency ${CONCURRENCY}\n`);
	console.log('| variant | records | seconds | records/s | peak RSS MB | p50 batch ms | p95 batch ms | F&O / Dataverse requests | failed | load 1 min start → end |');
	console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
	for (const r of rows) {
		const sorted = [...r.chunkMs].sort((a, b) => a - b);
		console.log(
			`| ${r.variant} | ${fmt(r.created)} | ${fmt(r.seconds, 1)} | ${fmt(r.created / r.seconds, 1)} | ${fmt(r.peakRssMb)} | ${sorted.length ? fmt(quantile(sorted, 0.5)) : '–'} | ${sorted.length ? fmt(quantile(sorted, 0.95)) : '–'} | ${fmt(r.foRequests)} / ${fmt(r.dvRequests)} | ${r.failed} | ${fmt(r.loadStart, 1)} → ${fmt(r.loadEnd, 1)} |`,
		);
	}
	const reference = Math.max(...rows.map((r) => r.organisations));
	const perSecond = MICROSOFT_RECORDS_PER_MINUTE / 60;
	console.log(
		`| reference, not measured: Microsoft training material, dual-write initial sync ≈ ${MICROSOFT_RECORDS_PER_MINUTE} records/min | ${fmt(reference)} | ≈ ${fmt(reference / perSecond)} (${fmt(reference / perSecond / 3600, 1)} h at that rate) | ≈ ${fmt(perSecond, 1)} | – | – | – | – | – | – |`,
	);
}

function printNotes(rows: Row[]): void {
	for (const r of rows) {
		const marks = r.rssByProgress.length > 0 ? progressMarks(r.rssByProgress, r.organisations) : 'no samples';
		console.log(`\n- ${r.variant}: RSS at start ${fmt(r.startRssMb)} MB, peak ${fmt(r.peakRssMb)} MB; RSS by records done: ${marks}.`);
		for (const note of r.notes) console.log(`  ${note}`);
	}
}

/** The RSS at about 10 %, 25 %, 50 %, 75 % and 100 % of the records. */
function progressMarks(series: Array<[number, number]>, total: number): string {
	return [0.1, 0.25, 0.5, 0.75, 1]
		.map((share) => {
			const at = series.find(([done]) => done >= share * total * 0.999) ?? series[series.length - 1];
			return `${fmt(at[0])}: ${fmt(at[1])} MB`;
		})
		.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// n8n: Webhook → Dual-Write (Initial Sync > Run).

function initialSyncWorkflow(): WorkflowJson {
	const credentials = Object.fromEntries(Object.values(DEMO_CREDENTIALS).map(({ type, ref }) => [type, { id: ref.id, name: ref.name }]));
	return {
		id: WORKFLOW_ID,
		name: 'Bench: Webhook -> Dual-Write initial sync',
		nodes: [
			{
				id: 'bench-webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				// Answered at once: the run takes minutes; the bench waits for the execution's end through the API.
				parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
			},
			{
				id: 'bench-initial-sync',
				name: 'Initial Sync',
				type: 'n8n-nodes-dual-write.dualWrite',
				typeVersion: 1,
				position: [260, 0],
				parameters: {
					resource: 'initialSync',
					operation: 'run',
					maps: [MAP],
					masterSide: 'fo',
					dryRun: false,
					runName: 'bench',
					options: { pageSize: PAGE_SIZE, batchSize: BATCH_SIZE, concurrency: CONCURRENCY },
				},
				credentials,
			},
		],
		connections: { Webhook: { main: [[{ node: 'Initial Sync', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

interface Execution {
	id: string;
	status: string;
	startedAt?: string;
	stoppedAt?: string;
	data?: { resultData?: { runData?: Record<string, Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }>> } }>>; error?: { message?: string } } };
}

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

async function runN8n(emu: EmulatorProcess, organisations: number): Promise<Row> {
	const emulators = emulatorsOf(emu);
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-initial-'));
	let n8n: N8nInstance | undefined;
	let store: StateStore | undefined;
	const notes: string[] = [];
	try {
		const copied = performance.now();
		await initialCopy(emulators, userFolder, PREREQUISITES);
		const started = performance.now();
		const workflow = initialSyncWorkflow();
		const env: Record<string, string> = {
			...(CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(userFolder, 'cpu-profiles')}` } : {}),
			...(EXPRESSION_ENGINE ? { N8N_EXPRESSION_ENGINE: EXPRESSION_ENGINE } : {}),
		};
		n8n = await startN8n({ userFolder, keep: true, credentials: emulatorCredentials(emulators), workflows: [workflow], env });
		await n8n.activate([workflow.id]);
		await n8n.waitForWebhook(WEBHOOK_PATH);
		console.log(`  prerequisites copied in ${fmt((started - copied) / 1000, 1)} s; n8n started with the package in ${fmt((performance.now() - started) / 1000, 1)} s`);
		store = await openSqliteStateStore({ file: defaultStateFile(userFolder) });
		const pid = n8n.pid as number;
		const sampler = new RssSampler(pid, SAMPLE_MS);
		const startRssMb = sampler.nowMb();
		const hwmBefore = procStatusKb(pid, 'VmHWM') / 1024;
		const accountsBefore = await accountRows(emu);
		const requestsBefore = await requestCounts(emu);
		const loadStart = load1();
		sampler.start();
		const sentAt = Date.now();
		const res = await request(`${n8n.url}/webhook/${WEBHOOK_PATH}`, 'POST', { 'content-type': 'application/json' }, '{"start":true}');
		if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${res.body.slice(0, 500)}`);
		const series: Array<[number, number]> = [];
		let execution: Execution | undefined;
		let lastPrint = performance.now();
		for (;;) {
			await sleep(1000);
			const done = await createdSoFar(store);
			series.push([done, sampler.nowMb()]);
			if (performance.now() - lastPrint > 30_000) {
				lastPrint = performance.now();
				console.log(`  … ${fmt(done)} created after ${fmt((Date.now() - sentAt) / 1000)} s, n8n RSS ${fmt(sampler.nowMb())} MB, load ${loadavg()}`);
			}
			const list = (await n8n.api('GET', `/executions?workflowId=${WORKFLOW_ID}&limit=1`)) as { data: Execution[] };
			const latest = list.data[0];
			if (latest && FINISHED.has(latest.status)) {
				execution = (await n8n.api('GET', `/executions/${latest.id}?includeData=true`)) as Execution;
				break;
			}
		}
		const peakRssMb = sampler.stop();
		const loadEnd = load1();
		const endedAt = execution.stoppedAt ? Date.parse(execution.stoppedAt) : Date.now();
		const requestsAfter = await requestCounts(emu);
		const created = (await accountRows(emu)) - accountsBefore;
		const output = execution.data?.resultData?.runData?.['Initial Sync']?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? [];
		const report = output.find((json) => json.map === MAP);
		if (execution.status !== 'success') notes.push(`execution ${execution.id} ended ${execution.status}: ${execution.data?.resultData?.error?.message ?? '?'}`);
		if (report) {
			notes.push(
				`the node's report: ${report.read} read, ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.filtered} filtered, ${report.failed} failed; the map took ${fmt(Number(report.durationMs) / 1000, 1)} s inside the node (webhook call → execution end ${fmt((endedAt - sentAt) / 1000, 1)} s)`,
			);
		}
		notes.push(`n8n VmHWM (whole process life, incl. start-up) before the run ${fmt(hwmBefore)} MB, after ${fmt(procStatusKb(pid, 'VmHWM') / 1024)} MB`);
		const failures = n8n.log.split('\n').filter((line) => /error/i.test(line));
		if (failures.length > 0) notes.push(`n8n log: ${failures.length} line(s) mention errors, last: ${failures.slice(-2).join(' | ').slice(0, 600)}`);
		series.push([created, sampler.nowMb()]);
		return {
			variant: `n8n ${process.env.N8N_VERSION ?? '2.40.7'}: Webhook → Dual-Write Initial Sync > Run${EXPRESSION_ENGINE ? ` (N8N_EXPRESSION_ENGINE=${EXPRESSION_ENGINE})` : ''}`,
			organisations,
			created,
			failed: Number(report?.failed ?? NaN),
			seconds: (endedAt - sentAt) / 1000,
			peakRssMb,
			startRssMb,
			chunkMs: [],
			foRequests: requestsAfter.fo - requestsBefore.fo,
			dvRequests: requestsAfter.dataverse - requestsBefore.dataverse,
			loadStart,
			loadEnd,
			rssByProgress: series,
			notes,
		};
	} finally {
		await store?.close();
		await n8n?.stop();
		if (KEEP || CPU_PROF) console.log(`  n8n user folder kept: ${userFolder}${CPU_PROF ? ' (CPU profiles in cpu-profiles/)' : ''}`);
		else rmSync(userFolder, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------------------------------------------------------
// The variants that run in a process of their own: the raw-HTTP baseline and lib/'s engine without n8n.

interface ChildRun<R> {
	result: R;
	peakRssMb: number;
	startRssMb: number;
	series: Array<[number, number]>;
	loadStart: number;
	loadEnd: number;
	requests: { fo: number; dataverse: number };
	created: number;
}

/**
 * Runs `script` with `options` (JSON) in a child process — `--import tsx` keeps it in that process itself (the tsx
 * CLI would fork again), so /proc shows its memory — and samples its RSS. The child prints JSON lines: `{progress}`
 * and, at the end, `{result}`; `progress()` may instead read the progress from elsewhere (once a second).
 */
async function runChild<R>(emu: EmulatorProcess, script: string, options: unknown, progress?: () => Promise<number>): Promise<ChildRun<R>> {
	const accountsBefore = await accountRows(emu);
	const requestsBefore = await requestCounts(emu);
	const loadStart = load1();
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support', script), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
	const sampler = new RssSampler(child.pid as number, SAMPLE_MS);
	sampler.start();
	const series: Array<[number, number]> = [];
	/** Records done and the RSS now (nothing once the process is gone). */
	const mark = (done: number) => {
		const mb = sampler.nowMb();
		if (Number.isFinite(mb)) series.push([done, mb]);
	};
	let result: R | undefined;
	let buffered = '';
	child.stdout.on('data', (chunk: Buffer) => {
		buffered += chunk.toString('utf8');
		for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
			const line = JSON.parse(buffered.slice(0, newline)) as { progress?: number; result?: R };
			buffered = buffered.slice(newline + 1);
			if (line.progress !== undefined) mark(line.progress);
			if (line.result) result = line.result;
		}
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
	await sleep(SAMPLE_MS);
	const startRssMb = sampler.nowMb();
	let code: number | null | undefined;
	let lastPrint = performance.now();
	const startedAt = performance.now();
	void exited.then((c) => (code = c));
	while (code === undefined) {
		await Promise.race([exited, sleep(1000)]);
		if (progress && code === undefined) mark(await progress());
		if (performance.now() - lastPrint > 30_000 && code === undefined) {
			lastPrint = performance.now();
			const done = series[series.length - 1]?.[0] ?? 0;
			console.log(`  … ${fmt(done)} done after ${fmt((performance.now() - startedAt) / 1000)} s, RSS ${fmt(sampler.nowMb())} MB, load ${loadavg()}`);
		}
	}
	const peakRssMb = sampler.stop();
	const loadEnd = load1();
	if (code !== 0 || result === undefined) throw new Error(`${script} exited with code ${code}`);
	const requestsAfter = await requestCounts(emu);
	const created = (await accountRows(emu)) - accountsBefore;
	return {
		result,
		peakRssMb,
		startRssMb,
		series,
		loadStart,
		loadEnd,
		requests: { fo: requestsAfter.fo - requestsBefore.fo, dataverse: requestsAfter.dataverse - requestsBefore.dataverse },
		created,
	};
}

async function copyPrerequisites(emu: EmulatorProcess, folder: string): Promise<void> {
	const copied = performance.now();
	await initialCopy(emulatorsOf(emu), folder, PREREQUISITES);
	console.log(`  prerequisites copied in ${fmt((performance.now() - copied) / 1000, 1)} s`);
}

async function runBaselineProcess(emu: EmulatorProcess, organisations: number): Promise<Row> {
	const folder = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-initial-base-'));
	try {
		await copyPrerequisites(emu, folder);
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
	const options: BaselineOptions = {
		fo: emu.fo,
		dataverse: emu.dataverse,
		token: new URL(emu.tokenUrl).origin,
		pageSize: PAGE_SIZE,
		batchSize: BATCH_SIZE,
		concurrency: CONCURRENCY,
		batchLimit: BASELINE_BATCH_LIMIT,
		reads: BASELINE_READS,
	};
	const run = await runChild<BaselineResult>(emu, 'initialSyncBaseline.ts', options);
	const result = run.result;
	return {
		variant: `raw HTTP baseline (no n8n, no lib/; reads: ${BASELINE_READS}, ≤ ${BASELINE_BATCH_LIMIT} upserts per $batch)`,
		organisations,
		created: run.created,
		failed: result.failed,
		seconds: result.seconds,
		peakRssMb: run.peakRssMb,
		startRssMb: run.startRssMb,
		chunkMs: result.chunkMs,
		foRequests: run.requests.fo,
		dvRequests: run.requests.dataverse,
		loadStart: run.loadStart,
		loadEnd: run.loadEnd,
		rssByProgress: run.series,
		notes: [
			`${result.read} F&O customers read, ${result.organisations} organisations, ${result.created} created, ${result.updated} updated, ${result.failed} failed, ${result.retried} sent again after the table; ${result.foRequests} F&O reads, ${result.dvGets} target reads, ${result.dvBatches} $batch requests (≤ ${BASELINE_BATCH_LIMIT} upserts each)`,
			...result.errors.map((e) => `error: ${e}`),
		],
	};
}

async function runEngineProcess(emu: EmulatorProcess, organisations: number): Promise<Row> {
	const folder = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-initial-engine-'));
	let store: StateStore | undefined;
	try {
		await copyPrerequisites(emu, folder);
		store = await openSqliteStateStore({ file: defaultStateFile(folder) });
		const progressStore = store;
		const options: EngineOptions = {
			fo: emu.fo,
			dataverse: emu.dataverse,
			token: new URL(emu.tokenUrl).origin,
			userFolder: folder,
			map: MAP,
			pageSize: PAGE_SIZE,
			batchSize: BATCH_SIZE,
			concurrency: CONCURRENCY,
		};
		const run = await runChild<MapSyncReport>(emu, 'initialSyncEngine.ts', options, async () => createdSoFar(progressStore));
		const report = run.result;
		return {
			variant: 'lib/ engine without n8n (runInitialSync, axios transport)',
			organisations,
			created: run.created,
			failed: report.failed,
			// runInitialSync's own duration (as the baseline's: without the child's start-up).
			seconds: report.durationMs / 1000,
			peakRssMb: run.peakRssMb,
			startRssMb: run.startRssMb,
			chunkMs: [],
			foRequests: run.requests.fo,
			dvRequests: run.requests.dataverse,
			loadStart: run.loadStart,
			loadEnd: run.loadEnd,
			rssByProgress: run.series,
			notes: [`the engine's report: ${report.read} read, ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.filtered} filtered, ${report.failed} failed in ${fmt(report.durationMs / 1000, 1)} s`],
		};
	} finally {
		await store?.close();
		if (KEEP) console.log(`  state folder kept: ${folder}`);
		else rmSync(folder, { recursive: true, force: true });
	}
}

/** Records the running initial sync has created, from the map's state detail (updated after each page). */
async function createdSoFar(store: StateStore): Promise<number> {
	const detail = (await store.getMapState(MAP))?.detail ?? '';
	return Number(/(\d+) created/.exec(detail)?.[1] ?? 0);
}

// ---------------------------------------------------------------------------------------------------------------



async function main(): Promise<void> {
	if (VARIANTS.includes('n8n')) checkDist();
	const t0 = performance.now();
	console.log(`Machine at start: ${machine()}; ${process.version}`);
	const rows: Row[] = [];
	for (const wanted of RECORDS) {
		const { perCompany, organisations, customers } = customersPerCompanyFor(wanted);
		for (const variant of VARIANTS) {
			console.log(`\n${variant}: ${fmt(organisations)} organisation customers (${fmt(customers)} customers, ${fmt(perCompany)} per company) …`);
			const seeded = performance.now();
			const emu = await startEmulatorProcess(perCompany);
			console.log(`  fresh emulators (own process) seeded in ${fmt((performance.now() - seeded) / 1000, 1)} s; load ${loadavg()}`);
			try {
				const row = variant === 'n8n' ? await runN8n(emu, organisations) : variant === 'engine' ? await runEngineProcess(emu, organisations) : await runBaselineProcess(emu, organisations);
				if (row.created !== organisations) row.notes.push(`CHECK: ${fmt(row.created)} accounts created in Dataverse, expected ${fmt(organisations)}`);
				rows.push(row);
				console.log(`  done: ${fmt(row.created)} accounts in ${fmt(row.seconds, 1)} s (${fmt(row.created / row.seconds, 1)}/s), peak RSS ${fmt(row.peakRssMb)} MB; load ${loadavg()}`);
			} finally {
				emu.stop();
				await sleep(500);
			}
		}
	}
	printTable(rows);
	printNotes(rows);
	console.log(`\nMachine at end: ${machine()}. Total ${fmt((performance.now() - t0) / 1000)} s.`);
	console.log(
		'Columns: records = accounts the run added to Dataverse (emulator row count); seconds = n8n: webhook call → execution end, engine: runInitialSync’s duration, baseline: its run; peak RSS = highest VmRSS of the n8n main process (N8nInstance.pid) or of the engine’s or baseline’s process, sampled every ' +
			`${SAMPLE_MS} ms (emulators excluded); batch ms = one write call of ${BATCH_SIZE} records (its target reads and $batch requests), baseline only; requests = counted by the emulators during the run (n8n: incl. metadata and lookup resolution).`,
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
