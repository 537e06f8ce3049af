/**
 * Map engine throughput: Customers V3 → accounts (and back) on one core, against a baseline that copies the same
 * fields into a plain object. The engine must not matter next to HTTP (target: well above 100,000 records/s).
 *
 *   npx tsx bench/map-engine.bench.ts [-- --records 100000 --passes 3]
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { apply, compileMap, type CompiledMap, type MapDefinition } from '../lib/maps';
import { customersMap } from '../test/unit/maps/fixtures';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = arg('records', 100_000);
const PASSES = arg('passes', 3);

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

const foRecords = Array.from({ length: RECORDS }, (_, i) => foRecord(i));
const dvRecords = foRecords.map((record) => {
	const result = apply(compiled, 'fo->dataverse', record);
	if (result.kind !== 'mapped') throw new Error(`bench record skipped: ${result.detail}`);
	const stored: Record<string, unknown> = { ...result.target.record };
	for (const [navigation, lookup] of Object.entries(result.target.lookups)) stored[navigation] = { ...lookup.key };
	return stored;
});

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

interface Row {
	scenario: string;
	records: number;
	perSecond: number;
	p50: number;
	p99: number;
	heapMb: number;
}

function run(scenario: string, records: readonly Record<string, unknown>[], work: (record: Record<string, unknown>) => unknown): Row {
	for (let i = 0; i < Math.min(records.length, 20_000); i++) work(records[i]);
	global.gc?.();
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
	samples.sort();
	return {
		scenario,
		records: n,
		perSecond: n / seconds,
		p50: samples[Math.floor(n * 0.5)],
		p99: samples[Math.floor(n * 0.99)],
		heapMb: (heapPeak - heapStart) / 1024 / 1024,
	};
}

const rows: Row[] = [
	run('baseline: plain copy of the same fields', foRecords, plainCopy),
	run('engine: apply F&O → Dataverse', foRecords, (record) => apply(compiled, 'fo->dataverse', record)),
	run('engine: apply Dataverse → F&O', dvRecords, (record) => apply(compiled, 'dataverse->fo', record)),
];

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
console.log(`\nMap engine — ${definition.title} (${fromCatalog ? 'catalog maps/customers-v3-accounts.json' : 'inline fixture map'}), ${compiled.rows.length} field rows`);
console.log(`${fmt(RECORDS)} distinct records × ${PASSES} passes, one core, Node ${process.version}\n`);
const header = ['scenario', 'records', 'records/s', 'p50 µs', 'p99 µs', 'peak heap Δ MB'];
const table = rows.map((row) => [row.scenario, fmt(row.records), fmt(row.perSecond), fmt(row.p50, 2), fmt(row.p99, 2), fmt(row.heapMb, 1)]);
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i].length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const cells of table) console.log(line(cells));
console.log(`\npeak RSS of the process: ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB (includes the ${fmt(RECORDS * 2)} pre-built input records)`);
