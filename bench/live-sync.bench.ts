/**
 * Live sync through a real n8n (2.40.7, the packed package from dist/): customers V3 -> accounts, F&O -> Dataverse,
 * with both live templates of the map active (the reverse one must skip our own writes as echoes). A person's edits
 * (SalesMemo of organisation customers, round-robin, as the emulators' user app) are offered open-loop at increasing
 * rates; each change is timed from the moment its F&O PATCH returns until Dataverse change tracking (polled every
 * 50 ms by this process) shows the account's description at that value or a later one. Side by side: the bare n8n
 * webhook ceiling (Webhook -> No Op, one execution per request), i.e. what one execution per change would cap at.
 *
 *   npm run build && npm run bench:live-sync [-- --stages 5,20,50,200,1000 --seconds 10 --intervals 2,0.25
 *       --engines vm,legacy --customers 500 --ceiling-seconds 10 --ceiling-concurrency 10 --drain-timeout 45
 *       --all-stages --keep]
 *
 * A configuration's higher rates are skipped once a stage did not keep up (a change never showed, or the backlog
 * took longer to clear than the stage lasted) unless --all-stages; --keep keeps n8n's folder (log, executions,
 * state file). The default run (engine vm, intervals 2 and 0.25 s) takes about 5 minutes.
 * Needs the cached n8n (`DW_N8N_DIR`, else scripts/ensure-n8n.sh installs it) and a built dist/. Emulators run in
 * a child process of their own. Benches never assert on times; lost changes, rewrites and ping-pong are reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { INTEGRATION_APP, USER_APP } from '../emulators/common/directory';
import { defaultStateFile, openSqliteStateStore, type JournalEntry, type StateStore } from '../lib/state';
import { failureSamples } from '../lib/sync';
import { emulatorCredentials } from '../scripts/emulatorCredentials';
import { templateFile } from '../scripts/generate-templates';
import { emulatorConnectors, initialCopy } from '../scripts/initialCopy';
import { bearerTokens } from '../test/support/emulators';
import { ensureN8n, N8nInstance, startN8n, type WorkflowJson } from '../test/support/n8n/instance';
import { webhookNode } from '../test/support/n8n/nodes';
import { checkDist, machine } from './support/machine';
import { emulatorsOf, request, startEmulatorProcess, type EmulatorProcess } from './support/emulatorProcess';

const argText = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const argNum = (name: string, fallback: number) => Number(argText(name, String(fallback)));
const STAGES = argText('stages', '5,20,50,200,1000').split(',').map(Number);
const SECONDS = argNum('seconds', 10);
/** Trigger intervals to compare; 2 is the template default (the template is left as generated). */
const INTERVALS = argText('intervals', '2,0.25').split(',').map(Number);
const ENGINES = argText('engines', 'vm').split(',');
const CUSTOMERS = argNum('customers', 500);
const CEILING_SECONDS = argNum('ceiling-seconds', 10);
const CEILING_CONCURRENCY = argNum('ceiling-concurrency', 10);
const DRAIN_TIMEOUT_S = argNum('drain-timeout', 45);
/** Keep n8n's user folder (its log, database.sqlite and the state file) for a post-mortem. */
const KEEP = process.argv.includes('--keep');
/** Run every stage even after one could not keep up (default: higher rates of that configuration are skipped). */
const ALL_STAGES = process.argv.includes('--all-stages');
const OBSERVE_EVERY_MS = 50;
const MAX_IN_FLIGHT = 64;

const MAP = 'customers-v3-accounts';
const FO_TO_DV = 'fo->dataverse' as const;
const DV_TO_FO = 'dataverse->fo' as const;
const MEMO = /^lsb-(\d+)$/;
const TEMPLATES = path.resolve(__dirname, '..', 'templates');
const CEILING_ID = 'dwbenchceiling01';
const CEILING_PATH = 'bench-ceiling';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function peakRssMb(pid: number | undefined): number {
	if (!pid) return NaN;
	try {
		return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
	} catch {
		return NaN;
	}
}

/** The live template of a direction, with the Dual-Write Trigger's interval set (2 s = left as generated). */
function liveWorkflow(direction: typeof FO_TO_DV | typeof DV_TO_FO, intervalSeconds: number): WorkflowJson {
	const workflow = JSON.parse(readFileSync(path.join(TEMPLATES, templateFile(MAP, direction, 'live')), 'utf8')) as WorkflowJson;
	if (intervalSeconds !== 2) {
		for (const node of workflow.nodes as Array<{ type: string; parameters: { options?: Record<string, unknown> } }>) {
			if (node.type.endsWith('.dualWriteTrigger')) node.parameters.options = { ...(node.parameters.options ?? {}), intervalSeconds };
		}
	}
	return workflow;
}

function ceilingWorkflow(): WorkflowJson {
	return {
		id: CEILING_ID,
		name: 'Bench: Webhook -> No Op',
		nodes: [
			webhookNode('bench-webhook', CEILING_PATH, 'lastNode'),
			{ id: 'bench-noop', name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

// ---------------------------------------------------------------------------------------------------------------
// The target observer: Dataverse change tracking every 50 ms.

interface Change {
	account: string;
	seq: number;
	/** Wall clock when the PATCH was sent (journal times are wall clock). */
	sentWall: number;
	writtenAt: number;
	visibleAt?: number;
	/** Seen with exactly its own value (else a later value of the same account superseded it). */
	exact?: boolean;
}

class TargetObserver {
	/** Latest memo sequence seen per account number (-1: not one of ours). */
	readonly seen = new Map<string, number>();
	private readonly pending = new Map<string, Change[]>();
	private deltaLink = '';
	private stopped = false;
	private loop?: Promise<void>;
	requests = 0;
	/** Rows that came back in a delta with the value we had already seen: the account was written again without a new value. */
	rewrites: Array<{ account: string; seq: number; at: number }> = [];
	/** Rows that came back with an older value than already seen: a write out of order. */
	regressions: Array<{ account: string; from: number; to: number; at: number }> = [];
	/** Times of every observed new value. */
	visibleTimes: number[] = [];
	outstanding = 0;

	constructor(
		private readonly dataverse: string,
		private readonly token: () => Promise<string>,
	) {}

	private async get(url: string): Promise<{ value: Array<Record<string, unknown>>; next?: string; delta?: string }> {
		this.requests++;
		const res = await request(url, 'GET', {
			authorization: `Bearer ${await this.token()}`,
			accept: 'application/json',
			'odata-version': '4.0',
			prefer: 'odata.track-changes,odata.maxpagesize=5000',
		});
		if (res.status !== 200) throw new Error(`Dataverse change tracking answered ${res.status}: ${res.body.slice(0, 500)}`);
		const body = JSON.parse(res.body) as { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
		return { value: body.value, next: body['@odata.nextLink'], delta: body['@odata.deltaLink'] };
	}

	private async read(url: string, baseline: boolean): Promise<void> {
		let next: string | undefined = url;
		while (next) {
			const page = await this.get(next);
			const at = performance.now();
			for (const row of page.value) if (typeof row.accountnumber === 'string') this.observe(row.accountnumber, row.description, at, baseline);
			next = page.next;
			if (page.delta) this.deltaLink = page.delta;
		}
	}

	private observe(account: string, description: unknown, at: number, baseline: boolean): void {
		const m = typeof description === 'string' ? MEMO.exec(description) : null;
		const seq = m ? Number(m[1]) : -1;
		const before = this.seen.get(account);
		this.seen.set(account, Math.max(seq, before ?? -1));
		if (baseline || seq < 0) return;
		if (before !== undefined && seq === before) this.rewrites.push({ account, seq, at });
		else if (before !== undefined && seq < before) this.regressions.push({ account, from: before, to: seq, at });
		else {
			this.visibleTimes.push(at);
			this.settle(account, seq, at);
		}
	}

	private settle(account: string, seq: number, at: number): void {
		const list = this.pending.get(account);
		if (!list) return;
		while (list.length > 0 && list[0].seq <= seq) {
			const change = list.shift() as Change;
			change.visibleAt = at;
			change.exact = change.seq === seq;
			this.outstanding--;
		}
		if (list.length === 0) this.pending.delete(account);
	}

	/** Records a change whose source write has returned. */
	expect(change: Change): void {
		if ((this.seen.get(change.account) ?? -1) >= change.seq) {
			change.visibleAt = Math.max(change.writtenAt, performance.now());
			change.exact = this.seen.get(change.account) === change.seq;
			return;
		}
		const list = this.pending.get(change.account) ?? [];
		// PATCH responses can return out of order; keep each account's list sorted by sequence.
		list.push(change);
		list.sort((a, b) => a.seq - b.seq);
		this.pending.set(change.account, list);
		this.outstanding++;
	}

	pendingChanges(): Change[] {
		return [...this.pending.values()].flat();
	}

	async start(): Promise<void> {
		await this.read(`${this.dataverse}/api/data/v9.2/accounts?$select=accountnumber,description`, true);
		this.loop = (async () => {
			while (!this.stopped) {
				try {
					await this.read(this.deltaLink, false);
				} catch (error) {
					console.error(`observer: ${(error as Error).message}`);
				}
				await sleep(OBSERVE_EVERY_MS);
			}
		})();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		await this.loop;
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Load, journal, executions, emulator counters.

interface FoKey {
	dataAreaId: string;
	CustomerAccount: string;
}

class Load {
	private next = 0;
	private seq = 0;
	constructor(
		private readonly emu: EmulatorProcess,
		private readonly keys: FoKey[],
		private readonly token: () => Promise<string>,
		private readonly observer: TargetObserver,
	) {}

	/** Offers `rate` changes/s for `seconds`, open-loop (at most MAX_IN_FLIGHT PATCHes outstanding). */
	async offer(rate: number, seconds: number): Promise<{ changes: Change[]; errors: number; patchMs: number[]; firstAt: number; lastAt: number }> {
		const total = Math.max(1, Math.round(rate * seconds));
		const token = await this.token();
		const changes: Change[] = [];
		const patchMs: number[] = [];
		let errors = 0;
		let sent = 0;
		let inFlight = 0;
		const started = performance.now();
		let lastAt = started;
		const all: Array<Promise<void>> = [];
		const one = async () => {
			const key = this.keys[this.next++ % this.keys.length];
			const seq = ++this.seq;
			const url = `${this.emu.fo}/data/CustomersV3(dataAreaId='${key.dataAreaId}',CustomerAccount='${key.CustomerAccount}')`;
			const t = performance.now();
			const sentWall = Date.now();
			inFlight++;
			try {
				const res = await request(url, 'PATCH', { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', 'if-match': '*' }, JSON.stringify({ SalesMemo: `lsb-${seq}` }));
				const at = performance.now();
				patchMs.push(at - t);
				if (res.status >= 200 && res.status < 300) {
					const change: Change = { account: key.CustomerAccount, seq, sentWall, writtenAt: at };
					changes.push(change);
					this.observer.expect(change);
					lastAt = Math.max(lastAt, at);
				} else errors++;
			} catch {
				errors++;
			} finally {
				inFlight--;
			}
		};
		while (sent < total) {
			const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
			while (sent < due && inFlight < MAX_IN_FLIGHT) {
				sent++;
				all.push(one());
			}
			await sleep(2);
		}
		await Promise.all(all);
		return { changes, errors, patchMs, firstAt: started, lastAt };
	}
}

interface DirectionTally {
	journaled: number;
	done: number;
	skipped: number;
	failed: number;
	open: number;
	decisions: Map<string, number>;
	failures: JournalEntry[];
	/** F&O -> Dataverse: when each account's changes were journaled (wall clock, ascending). */
	capturedAt: Map<string, number[]>;
}

async function journalSince(store: StateStore, from: number): Promise<Record<string, DirectionTally>> {
	const empty = (): DirectionTally => ({ journaled: 0, done: 0, skipped: 0, failed: 0, open: 0, decisions: new Map(), failures: [], capturedAt: new Map() });
	const tally: Record<string, DirectionTally> = { [FO_TO_DV]: empty(), [DV_TO_FO]: empty() };
	let cursor: string | undefined;
	do {
		const page = await store.list({ map: MAP, from, limit: 1000, order: 'asc', cursor });
		for (const entry of page.items) {
			const t = tally[entry.direction];
			t.journaled++;
			const account = entry.source.key.CustomerAccount;
			if (typeof account === 'string') t.capturedAt.set(account, [...(t.capturedAt.get(account) ?? []), entry.createdAt]);
			if (entry.status === 'done') t.done++;
			else if (entry.status === 'skipped') t.skipped++;
			else if (entry.status === 'failed') {
				t.failed++;
				t.failures.push(entry);
			} else t.open++;
			if (entry.decision) t.decisions.set(`${entry.status}:${entry.decision}`, (t.decisions.get(`${entry.status}:${entry.decision}`) ?? 0) + 1);
		}
		cursor = page.nextCursor;
	} while (cursor);
	return tally;
}

interface ExecutionInfo {
	id: number;
	status: string;
	ms: number;
}

async function executionsAfter(n8n: N8nInstance, workflowId: string, afterId: number): Promise<ExecutionInfo[]> {
	const out: ExecutionInfo[] = [];
	let cursor: string | undefined;
	for (;;) {
		const res = (await n8n.api('GET', `/executions?workflowId=${workflowId}&limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as {
			data: Array<{ id: string; status: string; startedAt?: string; stoppedAt?: string }>;
			nextCursor?: string | null;
		};
		for (const e of res.data) {
			if (Number(e.id) <= afterId) return out;
			out.push({ id: Number(e.id), status: e.status, ms: e.startedAt && e.stoppedAt ? Date.parse(e.stoppedAt) - Date.parse(e.startedAt) : NaN });
		}
		if (!res.nextCursor) return out;
		cursor = res.nextCursor;
	}
}

const lastExecutionId = async (n8n: N8nInstance, workflowId: string) => {
	const res = (await n8n.api('GET', `/executions?workflowId=${workflowId}&limit=1`)) as { data: Array<{ id: string }> };
	return Number(res.data[0]?.id ?? 0);
};

async function emulatorRequests(emu: EmulatorProcess): Promise<{ fo: number; dataverse: number }> {
	const read = async (origin: string) => (JSON.parse((await request(`${origin}/_emulator/stats`, 'GET', {})).body) as { totalRequests: number }).totalRequests;
	const [fo, dataverse] = await Promise.all([read(emu.fo), read(emu.dataverse)]);
	return { fo, dataverse };
}

/**
 * Nothing of the map pending or in flight in either direction and every change we made visible, for `settleMs` on
 * end: the reverse trigger journals our writes only at its next poll, so one empty look is not enough.
 */
async function quiet(store: StateStore, observer: TargetObserver, timeoutMs: number, settleMs: number): Promise<boolean> {
	let since: number | undefined;
	return await waitUntil(
		async () => {
			const counts = await store.counts(MAP);
			if (counts.pending + counts['in-flight'] > 0 || observer.outstanding > 0) {
				since = undefined;
				return false;
			}
			since ??= performance.now();
			return performance.now() - since >= settleMs;
		},
		timeoutMs,
		250,
	);
}

const settleMs = (intervalS: number) => 2 * intervalS * 1000 + 1500;

async function waitUntil(done: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		if (await done()) return true;
		if (performance.now() > deadline) return false;
		await sleep(everyMs);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

interface StageRow {
	offered: number;
	written: number;
	errors: number;
	writtenPerS: number;
	syncedPerS: number;
	latencies: number[];
	catchUpS: number;
	maxGapS: number;
	notVisible: number;
	superseded: number;
	journal: Record<string, DirectionTally>;
	executions: ExecutionInfo[];
	reverseExecutions: ExecutionInfo[];
	observedWrites: number;
	rewrites: number;
	regressions: number;
	n8nFoRequests: number;
	n8nDvRequests: number;
	patchP50: number;
	/** Source write sent -> journaled by the trigger's poll, and journaled -> visible in Dataverse. */
	captureMs: number[];
	deliverMs: number[];
	load1m: number;
	rssMb: number;
	notes: string[];
}

interface Context {
	emu: EmulatorProcess;
	n8n: N8nInstance;
	store: StateStore;
	observer: TargetObserver;
	load: Load;
	foToDvId: string;
	dvToFoId: string;
}

async function stage(ctx: Context, rate: number, intervalS: number): Promise<StageRow> {
	const { emu, n8n, store, observer, load } = ctx;
	const fromWall = Date.now();
	const [execBase, reverseBase] = await Promise.all([lastExecutionId(n8n, ctx.foToDvId), lastExecutionId(n8n, ctx.dvToFoId)]);
	const requestsBefore = await emulatorRequests(emu);
	const observerBefore = observer.requests;
	const rewritesBefore = observer.rewrites.length;
	const regressionsBefore = observer.regressions.length;
	const visibleBefore = observer.visibleTimes.length;

	const offered = await load.offer(rate, SECONDS);
	const writeSeconds = Math.max(SECONDS, (offered.lastAt - offered.firstAt) / 1000);
	// Everything we wrote visible in Dataverse, then the journal quiet (nothing pending or in flight).
	const drainTimeout = Math.max(DRAIN_TIMEOUT_S * 1000, intervalS * 5000);
	await waitUntil(() => offered.changes.every((c) => c.visibleAt !== undefined), drainTimeout, 50);
	await quiet(store, observer, Math.max(15_000, intervalS * 8000), settleMs(intervalS));
	const requestsAfter = await emulatorRequests(emu);
	const [journal, executions, reverseExecutions] = await Promise.all([
		journalSince(store, fromWall),
		executionsAfter(n8n, ctx.foToDvId, execBase),
		executionsAfter(n8n, ctx.dvToFoId, reverseBase),
	]);

	const visible = offered.changes.filter((c) => c.visibleAt !== undefined);
	// Latency split: the first F&O -> Dataverse journal entry of the account created after the PATCH was sent.
	const captureMs: number[] = [];
	const deliverMs: number[] = [];
	const wallOffset = Date.now() - performance.now();
	for (const c of visible) {
		const captured = journal[FO_TO_DV].capturedAt.get(c.account)?.find((at) => at >= c.sentWall);
		if (captured === undefined) continue;
		captureMs.push(Math.max(0, captured - (c.writtenAt + wallOffset)));
		deliverMs.push(Math.max(0, (c.visibleAt as number) + wallOffset - captured));
	}
	const latencies = visible.map((c) => Math.max(0, (c.visibleAt as number) - c.writtenAt));
	const lastVisible = Math.max(...visible.map((c) => c.visibleAt as number), offered.firstAt);
	// Longest time without a new value becoming visible while some of this stage's changes were waiting.
	const times = observer.visibleTimes.slice(visibleBefore).filter((t) => t <= lastVisible);
	let maxGap = 0;
	let previous = offered.firstAt;
	for (const t of [...times, lastVisible]) {
		maxGap = Math.max(maxGap, t - previous);
		previous = Math.max(previous, t);
	}
	const notes: string[] = [];
	const missing = offered.changes.filter((c) => c.visibleAt === undefined);
	if (missing.length > 0) {
		notes.push(`${missing.length} change(s) not visible in Dataverse within ${fmt(drainTimeout / 1000)} s, e.g. ${missing.slice(0, 5).map((c) => `${c.account}=lsb-${c.seq}`).join(', ')}`);
	}
	const rewrites = observer.rewrites.slice(rewritesBefore);
	if (rewrites.length > 0) notes.push(`${rewrites.length} account write(s) without a new value, e.g. ${rewrites.slice(0, 5).map((r) => `${r.account} (lsb-${r.seq})`).join(', ')}`);
	const regressions = observer.regressions.slice(regressionsBefore);
	if (regressions.length > 0) notes.push(`${regressions.length} account(s) went back to an older value, e.g. ${regressions.slice(0, 5).map((r) => `${r.account} lsb-${r.from} -> lsb-${r.to}`).join(', ')}`);
	for (const [direction, t] of Object.entries(journal)) {
		if (t.failed > 0) notes.push(`${direction}: ${t.failed} journal entr(ies) failed, e.g. ${t.failures.slice(0, 3).map((f) => `${JSON.stringify(f.source.key)}: ${f.error?.message ?? '?'}`).join('; ')}`);
		if (t.open > 0) notes.push(`${direction}: ${t.open} journal entr(ies) still pending or in flight after the drain`);
	}
	if (journal[DV_TO_FO].done > 0) notes.push(`dataverse->fo wrote ${journal[DV_TO_FO].done} change(s) back to F&O (ping-pong?)`);
	const failedRuns = [...executions, ...reverseExecutions].filter((e) => e.status !== 'success' && e.status !== 'running');
	if (failedRuns.length > 0) notes.push(`${failedRuns.length} execution(s) not successful: ${failedRuns.slice(0, 5).map((e) => `#${e.id} ${e.status}`).join(', ')}`);
	const n = offered.changes.length;
	return {
		offered: rate,
		written: n,
		errors: offered.errors,
		writtenPerS: n / writeSeconds,
		syncedPerS: visible.length / Math.max(0.001, (lastVisible - offered.firstAt) / 1000),
		latencies: latencies.sort((a, b) => a - b),
		catchUpS: Math.max(0, (lastVisible - offered.lastAt) / 1000),
		maxGapS: maxGap / 1000,
		notVisible: missing.length,
		superseded: visible.filter((c) => !c.exact).length,
		journal,
		executions,
		reverseExecutions,
		observedWrites: observer.visibleTimes.length - visibleBefore,
		rewrites: rewrites.length,
		regressions: regressions.length,
		n8nFoRequests: requestsAfter.fo - requestsBefore.fo - n - offered.errors,
		n8nDvRequests: requestsAfter.dataverse - requestsBefore.dataverse - (observer.requests - observerBefore),
		patchP50: quantile([...offered.patchMs].sort((a, b) => a - b), 0.5),
		captureMs: captureMs.sort((a, b) => a - b),
		deliverMs: deliverMs.sort((a, b) => a - b),
		load1m: os.loadavg()[0],
		rssMb: peakRssMb(n8n.pid),
		notes,
	};
}

function printStages(title: string, rows: StageRow[]): void {
	console.log(`\n${title}\n`);
	console.log(
		'| offered/s | changes | F&O errors | written/s | synced/s | p50 ms | p95 ms | p99 ms | max ms | write→journal p50 ms | journal→visible p50 ms | catch-up s | longest gap s | not visible | superseded | DV writes seen | journal done / skipped (F&O→DV) | journal done / skipped (DV→F&O) | executions (F&O→DV / DV→F&O) | changes per execution | execution p50 ms | n8n F&O req/change | n8n DV req/change | n8n peak RSS MB | load 1 min |',
	);
	console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|');
	for (const r of rows) {
		const fwd = r.journal[FO_TO_DV];
		const back = r.journal[DV_TO_FO];
		const execMs = r.executions.map((e) => e.ms).filter(Number.isFinite).sort((a, b) => a - b);
		console.log(
			`| ${r.offered} | ${r.written} | ${r.errors} | ${fmt(r.writtenPerS, 1)} | ${fmt(r.syncedPerS, 1)} | ${fmt(quantile(r.latencies, 0.5))} | ${fmt(quantile(r.latencies, 0.95))} | ${fmt(quantile(r.latencies, 0.99))} | ${fmt(r.latencies[r.latencies.length - 1] ?? NaN)} | ${fmt(quantile(r.captureMs, 0.5))} | ${fmt(quantile(r.deliverMs, 0.5))} | ${fmt(r.catchUpS, 1)} | ${fmt(r.maxGapS, 1)} | ${r.notVisible} | ${r.superseded} | ${r.observedWrites} | ${fwd.done} / ${fwd.skipped} | ${back.done} / ${back.skipped} | ${r.executions.length} / ${r.reverseExecutions.length} | ${fmt(r.written / Math.max(1, r.executions.length), 1)} | ${fmt(quantile(execMs, 0.5))} | ${fmt(r.n8nFoRequests / Math.max(1, r.written), 2)} | ${fmt(r.n8nDvRequests / Math.max(1, r.written), 2)} | ${fmt(r.rssMb)} | ${fmt(r.load1m, 1)} |`,
		);
	}
	const notes = rows.flatMap((r) => r.notes.map((note) => `- ${r.offered}/s: ${note}`));
	console.log(notes.length > 0 ? `\nAnomalies:\n${notes.join('\n')}` : '\nAnomalies: none (every change visible, no rewrites, no regressions, no failed entries, nothing written back).');
	const decisions = new Map<string, number>();
	for (const r of rows) for (const [direction, t] of Object.entries(r.journal)) for (const [d, c] of t.decisions) decisions.set(`${direction} ${d}`, (decisions.get(`${direction} ${d}`) ?? 0) + c);
	if (decisions.size > 0) console.log(`Journal decisions: ${[...decisions].map(([d, c]) => `${d} ${c}`).join(', ')}`);
}

async function ceiling(n8n: N8nInstance): Promise<{ requests: number; errors: number; seconds: number; latencies: number[]; rssMb: number }> {
	const url = `${n8n.url}/webhook/${CEILING_PATH}`;
	await n8n.waitForWebhook(CEILING_PATH);
	// A few calls first, so the first measured ones do not pay for warm-up.
	for (let i = 0; i < 5; i++) await request(url, 'POST', { 'content-type': 'application/json' }, '{"warm":true}');
	const latencies: number[] = [];
	let errors = 0;
	const started = performance.now();
	const end = started + CEILING_SECONDS * 1000;
	await Promise.all(
		Array.from({ length: CEILING_CONCURRENCY }, async () => {
			while (performance.now() < end) {
				const t = performance.now();
				try {
					const res = await request(url, 'POST', { 'content-type': 'application/json' }, '{"change":1}');
					if (res.status !== 200) errors++;
				} catch {
					errors++;
				}
				latencies.push(performance.now() - t);
			}
		}),
	);
	return { requests: latencies.length, errors, seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b), rssMb: peakRssMb(n8n.pid) };
}

async function idlePolling(emu: EmulatorProcess, observer: TargetObserver, seconds = 4): Promise<string> {
	const before = await emulatorRequests(emu);
	const observed = observer.requests;
	await sleep(seconds * 1000);
	const after = await emulatorRequests(emu);
	const dv = after.dataverse - before.dataverse - (observer.requests - observed);
	return `idle n8n requests: F&O ${fmt((after.fo - before.fo) / seconds, 1)}/s, Dataverse ${fmt(dv / seconds, 1)}/s`;
}



async function main(): Promise<void> {
	checkDist();
	const t0 = performance.now();
	console.log(`Machine at start: ${machine()}; ${process.version}; n8n ${process.env.N8N_VERSION ?? '2.40.7'}`);
	const emu = await startEmulatorProcess(CUSTOMERS);
	const tokenOrigin = new URL(emu.tokenUrl).origin;
	const integration = INTEGRATION_APP;
	const emulators = emulatorsOf(emu);
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-live-'));
	let n8n: N8nInstance | undefined;
	let store: StateStore | undefined;
	let observer: TargetObserver | undefined;
	const people = emulatorConnectors(emulators, USER_APP);
	try {
		const copyStarted = performance.now();
		const reports = await initialCopy(emulators, userFolder);
		const failed = [...reports.values()].flatMap(failureSamples);
		if (failed.length > 0) throw new Error(`initial copy failed for ${failed.length} record(s): ${JSON.stringify(failed.slice(0, 3))}`);
		const keys: FoKey[] = [];
		for await (const page of people.fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['dataAreaId', 'CustomerAccount'] })) {
			keys.push(...page.map((r) => ({ dataAreaId: String(r.dataAreaId), CustomerAccount: String(r.CustomerAccount) })));
		}
		console.log(`Emulators (own process) seeded with ${CUSTOMERS} customers per company; initial copy of the core maps in ${fmt((performance.now() - copyStarted) / 1000, 1)} s; ${keys.length} organisation customers edited round-robin.`);

		const workflows = (interval: number) => [liveWorkflow(FO_TO_DV, interval), liveWorkflow(DV_TO_FO, interval)];
		const [fwd, back] = workflows(INTERVALS[0]);
		const all = [fwd, back, ceilingWorkflow()];
		const n8nStarted = performance.now();
		n8n = await startN8n({ userFolder, keep: true, credentials: emulatorCredentials(emulators), workflows: all, env: ENGINES[0] === 'vm' ? {} : { N8N_EXPRESSION_ENGINE: ENGINES[0] } });
		await n8n.activate(all.map((w) => w.id));
		store = await openSqliteStateStore({ file: defaultStateFile(userFolder) });
		const cursorsReady = async () => Boolean((await store?.getCursor(`capture:${MAP}:${FO_TO_DV}`)) && (await store?.getCursor(`capture:${MAP}:${DV_TO_FO}`)));
		if (!(await waitUntil(cursorsReady, 60_000, 250))) {
			const errors = n8n.log.split('\n').filter((line) => /Error/.test(line));
			throw new Error(`the live triggers took no baseline within 60 s (is dist/ built from the current sources?); n8n log: ${errors.slice(-3).join(' | ')}`);
		}
		console.log(`n8n started with the package and 3 active workflows in ${fmt((performance.now() - n8nStarted) / 1000, 1)} s.`);

		observer = new TargetObserver(emu.dataverse, bearerTokens(tokenOrigin, integration, emu.dataverse));
		await observer.start();
		const missingInDv = keys.filter((k) => !observer?.seen.has(k.CustomerAccount));
		const editable = keys.filter((k) => observer?.seen.has(k.CustomerAccount));
		if (missingInDv.length > 0) console.log(`${missingInDv.length} organisation customers have no account in Dataverse after the copy and are not edited, e.g. ${missingInDv.slice(0, 3).map((k) => k.CustomerAccount).join(', ')}`);
		const load = new Load(emu, editable, bearerTokens(tokenOrigin, USER_APP, emu.fo), observer);

		const ceilings: Array<{ engine: string; result: Awaited<ReturnType<typeof ceiling>> }> = [];
		const sections: Array<{ title: string; rows: StageRow[] }> = [];
		for (const [e, engine] of ENGINES.entries()) {
			if (e > 0) {
				await n8n.stop();
				const restarted = new N8nInstance(await ensureN8n(), { userFolder, keep: true, env: engine === 'vm' ? {} : { N8N_EXPRESSION_ENGINE: engine } });
				await restarted.start();
				n8n = restarted;
			}
			ceilings.push({ engine, result: await ceiling(n8n) });
			for (const [i, interval] of INTERVALS.entries()) {
				if (e > 0 || i > 0) {
					// PUT re-publishes an active workflow: n8n stops the old trigger (its closeFunction) and starts the new one.
					for (const w of workflows(interval)) await n8n.api('PUT', `/workflows/${w.id}`, { name: w.name, nodes: w.nodes, connections: w.connections, settings: w.settings });
					await sleep(Math.max(3000, interval * 2000));
				}
				const idle = await idlePolling(emu, observer);
				const ctx: Context = { emu, n8n, store, observer, load, foToDvId: fwd.id, dvToFoId: back.id };
				const rows: StageRow[] = [];
				const skipped: number[] = [];
				let saturated = false;
				for (const rate of STAGES) {
					if (saturated && !ALL_STAGES) {
						skipped.push(rate);
						continue;
					}
					const row = await stage(ctx, rate, interval);
					rows.push(row);
					// Not keeping up: something never showed, or the backlog took longer to clear than the stage lasted.
					saturated = row.notVisible > 0 || row.catchUpS > SECONDS;
				}
				// Whatever a saturated stage left behind must not count against the next configuration.
				await quiet(store, observer, 120_000, settleMs(interval));
				const label = interval === 2 ? 'default trigger settings (interval 2 s, batch 500)' : `tuned trigger (interval ${interval} s, batch 500)`;
				const skipNote = skipped.length > 0 ? `; not kept up at ${rows[rows.length - 1].offered}/s, so ${skipped.join(', ')}/s skipped (--all-stages runs them)` : '';
				sections.push({ title: `Live sync customers V3 → accounts through n8n — ${label}, expression engine ${engine}${engine === 'vm' ? ' (n8n default)' : ''}; ${SECONDS} s per stage; ${idle}${skipNote}`, rows });
				printStages(sections[sections.length - 1].title, rows);
			}
		}

		// Final check: after a last settle, every edited account holds the F&O customer's SalesMemo.
		await waitUntil(() => (observer?.outstanding ?? 0) === 0, DRAIN_TIMEOUT_S * 1000, 100);
		const memo = new Map<string, string>();
		for await (const page of people.fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['CustomerAccount', 'SalesMemo'] })) {
			for (const r of page) memo.set(String(r.CustomerAccount), String(r.SalesMemo ?? ''));
		}
		const differing: string[] = [];
		for (const k of editable) {
			const m = MEMO.exec(memo.get(k.CustomerAccount) ?? '');
			if (m && Number(m[1]) !== observer.seen.get(k.CustomerAccount)) differing.push(`${k.dataAreaId}/${k.CustomerAccount}: F&O lsb-${m[1]}, Dataverse lsb-${observer.seen.get(k.CustomerAccount)}`);
		}

		console.log(`\nBaseline: bare n8n webhook ceiling (Webhook → No Op, response after the execution, one execution per request; ${CEILING_CONCURRENCY} concurrent callers, ~${CEILING_SECONDS} s; live triggers idle)\n`);
		console.log('| engine | requests | errors | req/s | p50 ms | p95 ms | p99 ms | n8n peak RSS MB |');
		console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
		for (const { engine, result: r } of ceilings) {
			console.log(`| ${engine} | ${r.requests} | ${r.errors} | ${fmt(r.requests / r.seconds, 1)} | ${fmt(quantile(r.latencies, 0.5))} | ${fmt(quantile(r.latencies, 0.95))} | ${fmt(quantile(r.latencies, 0.99))} | ${fmt(r.rssMb)} |`);
		}
		const totals = await store.counts(MAP);
		console.log(`\nFinal state: ${differing.length === 0 ? 'every edited account holds its customer’s last SalesMemo' : `${differing.length} account(s) differ from F&O: ${differing.slice(0, 10).join('; ')}`}; journal of ${MAP}: ${JSON.stringify(totals)}.`);
		const warnings = n8n.log.split('\n').filter((line) => /Dual-Write|error/i.test(line));
		if (warnings.length > 0) console.log(`n8n log: ${warnings.length} line(s) about Dual-Write or errors, last: ${warnings.slice(-3).join(' | ').slice(0, 1000)}`);
		console.log(`Machine at end: ${machine()}. Total ${fmt((performance.now() - t0) / 1000)} s.`);
		console.log(
			'Columns: latency from the F&O PATCH returning to the value (or a later one of the same account) showing in Dataverse change tracking, polled every 50 ms; synced/s = changes / (last visible − first write); superseded = changes overtaken by a later edit of the same account before they were written; DV writes seen = new values seen by the observer; catch-up = last visible − last write; longest gap = longest time nothing new became visible; n8n requests exclude the bench’s own.',
		);
	} finally {
		await observer?.stop();
		await store?.close();
		await n8n?.stop();
		people.close();
		emu.stop();
		if (KEEP) console.log(`n8n user folder kept: ${userFolder}`);
		else rmSync(userFolder, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
