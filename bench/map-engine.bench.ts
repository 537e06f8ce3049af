/**
 * Map engine throughput: Customers V3 → accounts (and back) on one core, against a baseline that copies the same
 * fields into a plain object. The engine must not matter next to HTTP (target: well above 100,000 records/s).
 *
 *   npx tsx bench/map-engine.bench.ts [-- --records 100000 --passes 3 --runs 5 --field-by-field 0]
 *
 * Each scenario runs `--runs` times, interleaved with the others (baseline, F&O → Dataverse, Dataverse → F&O, again),
 * so that a burst of load from other processes on a shared machine hits all of them alike. The table shows the best
 * and the median run's records/s and latency percentiles over every record of every run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { apply, compileMap, type CompiledMap, type MapDefinition } from '../lib/maps';
import { customersMap } from '../test/unit/maps/fixtures';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = arg('records', 100_000);
const PASSES = arg('passes', 3);
const RUNS = arg('runs', 5);
/** 1: input records as this bench built them before it parsed them (dictionary-mode objects, see `asRead`). */
const FIELD_BY_FIELD = arg('field-by-field', 0) === 1;

const catalogFile = path.join(__dirname, '../maps/customers-v3-accounts.json');
const fromCatalog = existsSync(catalogFile);
const definition: MapDefinition = fromCatalog ? JSON.parse(readFileSync(catalogFile, 'utf8')) : customersMap();
const compiled: CompiledMap = compileMap(definition);

/** Deterministic record values shaped by each row (value maps pick a pair, dates are dates, ...). */
function foRecord(i: number): Record<string, unknown> {
	const record: Record<string, unknown> = { dataAreaId: ['usmf', 'usrt', 'demf'][i % 3] };
	for (const row of compiled.rows) {
		if (row.fo === null || row.fo === 'dataAreaId') continue;
		if (row.valueMap) {
			const symbols = [...row.valueMap['fo->dataverse'].exact.keys()].filter((key) => key.startsWith('s:'));
			record[row.fo] = symbols.length > 0 ? symbols[i % symbols.length].slice(2) : '';
			continue;
		}
		switch (row.shape.fo.kind) {
			case 'date':
			case 'datetime':
				record[row.fo] = `20${String(10 + (i % 15)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}T12:00:00Z`;
				break;
			case 'integer':
			case 'decimal':
				record[row.fo] = (i % 1000) * 1.25;
				break;
			default:
				record[row.fo] = `${row.fo.slice(0, 6)}-${i}${i % 7 === 0 ? '  ' : ''}`;
		}
	}
	record.CustomerAccount = `C-${String(i).padStart(6, '0')}`;
	record.PartyType = 'Organization';
	return record;
}

/**
 * Records as a reader hands them over: parsed from an OData response body. Built field by field instead, an object
 * of 50+ properties is a slow dictionary-mode object (V8 gives up on a fast shape after a dozen computed-name
 * stores), which no reader produces and which makes every property read a hash-table probe, baseline included.
 */
const asRead = (records: Array<Record<string, unknown>>): Array<Record<string, unknown>> => (FIELD_BY_FIELD ? records : JSON.parse(JSON.stringify(records)));
const foRecords = asRead(Array.from({ length: RECORDS }, (_, i) => foRecord(i)));
const dvRecords = asRead(
	foRecords.map((record) => {
		const result = apply(compiled, 'fo->dataverse', record);
		if (result.kind !== 'mapped') throw new Error(`bench record skipped: ${result.detail}`);
		const stored: Record<string, unknown> = { ...result.target.record };
		for (const [navigation, lookup] of Object.entries(result.target.lookups)) stored[navigation] = { ...lookup.key };
		return stored;
	}),
);

/** The baseline: what a hand-written node would do, copy each mapped field into a new object. */
const pairs = compiled.rows.filter((row) => row.fo !== null && row.dataverseText !== null).map((row) => [row.fo as string, row.dataverseText as string] as const);
// Spread from a fast-shaped template, as the engine does: a loop of computed-name stores into `{}` would make a
// slow dictionary object past a dozen fields and handicap the baseline.
const template = JSON.parse(`{${pairs.map(([, to]) => `${JSON.stringify(to)}:null`).join(',')}}`) as Record<string, unknown>;
function plainCopy(record: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = { ...template };
	for (const [from, to] of pairs) out[to] = record[from];
	return out;
}

interface Run {
	perSecond: number;
	samples: Float64Array;
	heapMb: number;
}

// A full collection before each run, so that marking the input records (hundreds of MB, built just before) does
// not run in increments inside the measured loop (`npm run bench:maps` starts node without --expose-gc).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function run(records: readonly Record<string, unknown>[], work: (record: Record<string, unknown>) => unknown): Run {
	for (let i = 0; i < Math.min(records.length, 20_000); i++) work(records[i]);
	collectGarbage();
	const heapStart = process.memoryUsage().heapUsed;
	let heapPeak = heapStart;
	const samples = new Float64Array(records.length * PASSES);
	let sink = 0;
	const started = process.hrtime.bigint();
	let n = 0;
	for (let pass = 0; pass < PASSES; pass++) {
		for (const record of records) {
			// performance.now() allocates nothing (hrtime.bigint() would, and its GC would be billed to the work).
			const t0 = performance.now();
			if (work(record) !== undefined) sink++;
			samples[n++] = (performance.now() - t0) * 1000;
			if ((n & 0x3fff) === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
		}
	}
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (sink !== n) throw new Error('lost results');
	return { perSecond: n / seconds, samples, heapMb: (heapPeak - heapStart) / 1024 / 1024 };
}

const scenarios: Array<{ scenario: string; records: readonly Record<string, unknown>[]; work: (record: Record<string, unknown>) => unknown; runs: Run[] }> = [
	{ scenario: 'baseline: plain copy of the same fields', records: foRecords, work: plainCopy, runs: [] },
	{ scenario: 'engine: apply F&O → Dataverse', records: foRecords, work: (record) => apply(compiled, 'fo->dataverse', record), runs: [] },
	{ scenario: 'engine: apply Dataverse → F&O', records: dvRecords, work: (record) => apply(compiled, 'dataverse->fo', record), runs: [] },
];
for (let r = 0; r < RUNS; r++) for (const scenario of scenarios) scenario.runs.push(run(scenario.records, scenario.work));

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const rows = scenarios.map(({ scenario, runs }) => {
	const rates = runs.map((one) => one.perSecond).sort((a, b) => a - b);
	const all = new Float64Array(runs.reduce((sum, one) => sum + one.samples.length, 0));
	let at = 0;
	for (const one of runs) {
		all.set(one.samples, at);
		at += one.samples.length;
	}
	all.sort();
	return {
		scenario,
		records: all.length,
		best: rates[rates.length - 1],
		median: rates[Math.floor((rates.length - 1) / 2)],
		p50: percentile(all, 0.5),
		p95: percentile(all, 0.95),
		p99: percentile(all, 0.99),
		heapMb: Math.max(...runs.map((one) => one.heapMb)),
	};
});

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
console.log(`\nMap engine — ${definition.title} (${fromCatalog ? 'catalog maps/customers-v3-accounts.json' : 'inline fixture map'}), ${compiled.rows.length} field rows`);
console.log(
	`${fmt(RECORDS)} distinct records (${FIELD_BY_FIELD ? 'built field by field: dictionary-mode objects' : 'parsed from JSON, as read'}) × ${PASSES} passes × ${RUNS} runs per scenario, one core, Node ${process.version}\n`,
);
const header = ['scenario', 'records', 'records/s best', 'records/s median', 'p50 µs', 'p95 µs', 'p99 µs', 'peak heap Δ MB'];
const table = rows.map((row) => [row.scenario, fmt(row.records), fmt(row.best), fmt(row.median), fmt(row.p50, 2), fmt(row.p95, 2), fmt(row.p99, 2), fmt(row.heapMb, 1)]);
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i].length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const cells of table) console.log(line(cells));
console.log(`\npeak RSS of the process: ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB (includes the ${fmt(RECORDS * 2)} pre-built input records)`);
