/**
 * The standard map catalog (maps/*.json): every file validates without errors and compiles, and every
 * bidirectional row survives A→B→A (property test over seeded random values, both starting sides).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
	apply,
	canonical,
	compileMap,
	dependencyOrder,
	hashRecord,
	normalise,
	validateMap,
	type CompiledMap,
	type CompiledRow,
	type MapDefinition,
	type MappedRecord,
	type MapResult,
	type ValueShape,
} from '../../../lib/maps';
import { asStoredDataverse, rng } from './fixtures';

const dir = path.join(__dirname, '../../../maps');
const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')).sort() : [];
const load = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as MapDefinition;
const SEED = 20240601;
const RUNS = 40;

const mapped = (result: MapResult, what: string): MappedRecord => {
	if (result.kind !== 'mapped') throw new Error(`${what}: ${result.decision} ${result.detail}`);
	return result;
};

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const CHARS = ['a', 'Z', '0', ' ', "'", '"', '*', 'é', '漢', '-', '/', '&', 'ß'];

function randomText(random: Random, allowBlank: boolean): string {
	if (allowBlank && random() < 0.15) return '';
	const length = 1 + Math.floor(random() * 12);
	let text = '';
	for (let i = 0; i < length; i++) text += pick(random, CHARS);
	return text.trim() === '' ? `x${text}` : text;
}

/** A value as `side` holds it, for a row shape; `blankable` = may be that side's blank. */
function generate(random: Random, row: CompiledRow, side: 'fo' | 'dataverse', blankable: boolean): unknown {
	if (row.valueMap) {
		const pairs = row.valueMap[side === 'fo' ? 'fo->dataverse' : 'dataverse->fo'];
		return pick(random, [...pairs.exact.keys()].map((key) => (key === 'null' ? null : key.startsWith('n:') ? Number(key.slice(2)) : key.startsWith('b:') ? key === 'b:true' : key.slice(2))));
	}
	const shape: ValueShape = row.shape[side];
	const blank = blankable && random() < 0.15;
	switch (shape.kind) {
		case 'integer':
			return blank && side === 'fo' ? 0 : Math.floor(random() * 2_000_000) - 1_000_000;
		case 'decimal': {
			const scale = shape.scale ?? 2;
			return Math.round((random() * 2e6 - 1e6) * 10 ** scale) / 10 ** scale;
		}
		case 'boolean':
			return random() < 0.5;
		case 'date': {
			if (blank) return side === 'fo' ? '1900-01-01T12:00:00Z' : null;
			const day = new Date(Date.UTC(1990, 0, 1) + Math.floor(random() * 15_000) * 86_400_000).toISOString().slice(0, 10);
			return side === 'fo' ? `${day}T12:00:00Z` : day;
		}
		case 'datetime':
			if (blank) return side === 'fo' ? '1900-01-01T12:00:00Z' : null;
			return new Date(Date.UTC(1990, 0, 1) + Math.floor(random() * 1e12)).toISOString();
		default:
			return randomText(random, blankable);
	}
}

function baseRecord(compiled: CompiledMap, side: 'fo' | 'dataverse', random: Random): Record<string, unknown> {
	const record: Record<string, unknown> = {};
	if (compiled.company) {
		if (side === 'fo') record[compiled.company.fo] = 'usmf';
		else record[compiled.company.navigation] = { [compiled.company.keyField]: 'usmf' };
	}
	const definition = compiled.definition;
	for (const row of compiled.rows) {
		if (row.fo && definition.fo.key.includes(row.fo) && side === 'fo') record[row.fo] = generate(random, row, 'fo', false);
		if (row.dataverseText && definition.dataverse.key.includes(row.dataverseText) && side === 'dataverse') {
			const value = generate(random, row, 'dataverse', false);
			const dvPath = row.dataverse!;
			if (dvPath.kind === 'column') record[dvPath.column] = value;
			else if (dvPath.kind === 'lookup') record[dvPath.navigation] = { [dvPath.keyField]: value };
		}
	}
	return record;
}

/** The map reduced to its key rows plus one row, without filters: the row's round trip in isolation. */
function isolate(definition: MapDefinition, index: number): CompiledMap {
	const keys = new Set([...definition.fo.key, ...definition.dataverse.key]);
	const fields = definition.fields.filter((field, i) => i === index || (field.direction === 'both' && ((field.fo !== null && keys.has(field.fo)) || (field.dataverse !== null && keys.has(field.dataverse)))));
	return compileMap({
		...definition,
		fo: { entity: definition.fo.entity, key: definition.fo.key },
		dataverse: { entity: definition.dataverse.entity, key: definition.dataverse.key },
		fields,
	});
}

const storedFo = (result: MappedRecord) => ({ ...result.target.record });
const storedDv = (result: MappedRecord) => asStoredDataverse(result.target.record, result.target.lookups);

it('the catalog holds the standard maps (at least the 14 of reference §2.1)', () => {
	expect(files.length).toBeGreaterThanOrEqual(14);
});

describe.each(files)('catalog map %s', (file) => {
	const definition = load(file);

	it('validates without errors and compiles', () => {
		expect(validateMap(definition).filter((issue) => issue.severity === 'error')).toEqual([]);
		expect(() => compileMap(definition)).not.toThrow();
		expect(path.basename(file, '.json')).toBe(definition.id);
	});

	const bidirectional = definition.fields.map((field, index) => ({ field, index })).filter(({ field }) => field.direction === 'both');
	if (bidirectional.length === 0) return;

	it.each(bidirectional.map(({ field, index }) => [`${field.fo} = ${field.dataverse}`, index] as const))('%s survives F&O→Dataverse→F&O and back', (_label, index) => {
		const compiled = isolate(definition, index);
		const row = compiled.rows.find((candidate) => candidate.index === compiled.definition.fields.indexOf(compiled.definition.fields.find((f) => f.fo === definition.fields[index].fo && f.dataverse === definition.fields[index].dataverse)!))!;
		const random = rng(SEED + index);
		const isKey = definition.fo.key.includes(row.fo!) || definition.dataverse.key.includes(row.dataverseText!);
		for (let run = 0; run < RUNS; run++) {
			// F&O first.
			const fo = { ...baseRecord(compiled, 'fo', random), [row.fo!]: generate(random, row, 'fo', !isKey) };
			const there = mapped(apply(compiled, 'fo->dataverse', fo), `${file} seed ${SEED + index} run ${run}`);
			const stored = storedDv(there);
			expect(hashRecord(compiled, 'dataverse', stored)).toBe(there.hash);
			const back = mapped(apply(compiled, 'dataverse->fo', stored), `${file} back`);
			const expected = canonical(normalise(fo[row.fo!], row.shape.fo));
			expect({ run, value: canonical(back.target.record[row.fo!]) }).toEqual({ run, value: expected });
			expect(hashRecord(compiled, 'fo', storedFo(back))).toBe(back.hash);

			// Dataverse first (non-blank values: F&O cannot hold a Dataverse null number).
			const dv = baseRecord(compiled, 'dataverse', random);
			const value = generate(random, row, 'dataverse', false);
			const dvPath = row.dataverse!;
			if (dvPath.kind === 'column') dv[dvPath.column] = value;
			else if (dvPath.kind === 'lookup') dv[dvPath.navigation] = { [dvPath.keyField]: value };
			else dv[pick(random, dvPath.targets).navigation] = { [dvPath.targets[0].keyField]: value };
			if (dvPath.kind === 'polymorphic') {
				// The key field of whichever target was picked: rewrite so the expanded object carries its own key field.
				for (const target of dvPath.targets) if (dv[target.navigation]) dv[target.navigation] = { [target.keyField]: value };
			}
			const toFo = mapped(apply(compiled, 'dataverse->fo', dv), `${file} dv seed ${SEED + index} run ${run}`);
			const again = mapped(apply(compiled, 'fo->dataverse', storedFo(toFo)), `${file} dv again`);
			const readBack = (record: Record<string, unknown>) => {
				if (dvPath.kind === 'column') return record[dvPath.column];
				if (dvPath.kind === 'lookup') return (record[dvPath.navigation] as Record<string, unknown> | null)?.[dvPath.keyField] ?? null;
				for (const target of dvPath.targets) {
					const hit = (record[target.navigation] as Record<string, unknown> | undefined)?.[target.keyField];
					if (hit !== undefined) return hit;
				}
				return null;
			};
			expect({ run, value: canonical(normalise(readBack(storedDv(again)), row.shape.dataverse)) }).toEqual({ run, value: canonical(normalise(value, row.shape.dataverse)) });
		}
	});
});

describe('catalog dependencies', () => {
	const definitions = files.map(load);
	it('orders every map with no cycle', () => {
		const plan = dependencyOrder(definitions);
		expect(plan.order).toHaveLength(definitions.length);
		expect(plan.cycles).toEqual([]);
		if (files.includes('customers-v3-accounts.json') && files.includes('legal-entities-cdm-companies.json')) {
			expect(plan.order.indexOf('legal-entities-cdm-companies')).toBeLessThan(plan.order.indexOf('customers-v3-accounts'));
		}
	});
});
