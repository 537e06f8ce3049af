/**
 * The order maps must be synced in: a map whose rows look up rows of another map's Dataverse table needs that map
 * first (customers need customer groups, terms, currencies; every company-striped map needs legal entities).
 * Cycles are reported and left to the caller; a self-reference is not a cycle but a two-pass write
 * (`planPasses`): pass 1 writes every record without the self-lookup, pass 2 patches it once all targets exist.
 */
import { compileValidated, type CompiledMap } from './compile';
import { parseColumnPath } from './lookupPath';
import type { MapDefinition } from './types';

export interface DependencyEdge {
	/** The map that needs the other first. */
	map: string;
	dependsOn: string;
	/** The row or `company` that makes the dependency. */
	via: string;
}

export interface DependencyPlan {
	/** Every map id, dependencies first; members of a cycle come after everything they do not block, in input order. */
	order: string[];
	edges: DependencyEdge[];
	/** Each cycle once, as map ids in dependency order. */
	cycles: string[][];
	selfReferences: Array<{ map: string; field: string }>;
	/** Lookups into tables no map of the set writes (must already hold the data). */
	external: Array<{ map: string; entity: string; field: string }>;
}

const COMPANY_ENTITY = 'cdm_companies';

function referencedEntities(map: MapDefinition): Array<{ entity: string; via: string }> {
	const refs: Array<{ entity: string; via: string }> = [];
	if (map.company) refs.push({ entity: COMPANY_ENTITY, via: `company (${map.company.dataverse})` });
	for (const field of map.fields) {
		if (!field.lookup || field.dataverse === null) continue;
		const via = `${field.fo ?? 'none'} -> ${field.dataverse}`;
		const parsed = parseColumnPath(field.dataverse);
		if (parsed.ok && parsed.path.kind === 'polymorphic') {
			parsed.path.targets.forEach((target, i) =>
				refs.push({ entity: field.lookup?.entities?.[target.type] ?? (i === 0 ? field.lookup!.entity : `${target.type.toLowerCase()}s`), via }),
			);
		} else refs.push({ entity: field.lookup.entity, via });
	}
	return refs;
}

export function dependencyOrder(maps: readonly MapDefinition[]): DependencyPlan {
	// Several maps may write one table (accounts from customers and from vendors): each of them satisfies a lookup.
	const writers = new Map<string, string[]>();
	for (const map of maps) {
		const entity = map.dataverse.entity.toLowerCase();
		writers.set(entity, [...(writers.get(entity) ?? []), map.id]);
	}
	const edges: DependencyEdge[] = [];
	const selfReferences: DependencyPlan['selfReferences'] = [];
	const external: DependencyPlan['external'] = [];
	const needs = new Map<string, Set<string>>(maps.map((map) => [map.id, new Set<string>()]));
	for (const map of maps) {
		for (const ref of referencedEntities(map)) {
			const entity = ref.entity.toLowerCase();
			if (entity === map.dataverse.entity.toLowerCase()) {
				selfReferences.push({ map: map.id, field: ref.via });
				continue;
			}
			const others = writers.get(entity);
			if (!others) {
				external.push({ map: map.id, entity: ref.entity, field: ref.via });
				continue;
			}
			for (const other of others) {
				if (needs.get(map.id)!.has(other)) continue;
				needs.get(map.id)!.add(other);
				edges.push({ map: map.id, dependsOn: other, via: ref.via });
			}
		}
	}
	// Kahn's algorithm, ties broken by input order so the plan is stable across runs.
	const order: string[] = [];
	const done = new Set<string>();
	let progress = true;
	while (progress) {
		progress = false;
		for (const map of maps) {
			if (done.has(map.id)) continue;
			if ([...needs.get(map.id)!].every((dependency) => done.has(dependency))) {
				order.push(map.id);
				done.add(map.id);
				progress = true;
				break;
			}
		}
	}
	const remaining = maps.map((map) => map.id).filter((id) => !done.has(id));
	return { order: [...order, ...remaining], edges, cycles: findCycles(remaining, needs), selfReferences, external };
}

/** Strongly connected components (Tarjan) of the maps Kahn could not order, each reported once. */
function findCycles(ids: readonly string[], needs: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
	const inScope = new Set(ids);
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const cycles: string[][] = [];
	let counter = 0;
	const visit = (id: string) => {
		index.set(id, counter);
		low.set(id, counter);
		counter++;
		stack.push(id);
		onStack.add(id);
		for (const next of needs.get(id) ?? []) {
			if (!inScope.has(next)) continue;
			if (!index.has(next)) {
				visit(next);
				low.set(id, Math.min(low.get(id)!, low.get(next)!));
			} else if (onStack.has(next)) low.set(id, Math.min(low.get(id)!, index.get(next)!));
		}
		if (low.get(id) === index.get(id)) {
			const component: string[] = [];
			let member: string;
			do {
				member = stack.pop()!;
				onStack.delete(member);
				component.push(member);
			} while (member !== id);
			if (component.length > 1) cycles.push(component);
		}
	};
	for (const id of ids) if (!index.has(id)) visit(id);
	return cycles;
}

export interface PassPlan {
	/** The rows that point back at the map's own table, by label. */
	selfReferences: string[];
	/** Pass 1: everything except the self-lookups (the whole map when there are none). */
	first: CompiledMap;
	/** Pass 2: the key rows and the self-lookups only, applied after pass 1 wrote every record; undefined when not needed. */
	second?: CompiledMap;
}

export function planPasses(compiled: CompiledMap): PassPlan {
	const self = compiled.rows.filter((row) => row.selfReference);
	if (self.length === 0) return { selfReferences: [], first: compiled };
	const definition = compiled.definition;
	const keyFields = new Set([...definition.fo.key, ...definition.dataverse.key]);
	const isKey = (index: number) => {
		const field = definition.fields[index];
		return (field.fo !== null && keyFields.has(field.fo)) || (field.dataverse !== null && keyFields.has(field.dataverse));
	};
	const selfIndexes = new Set(self.map((row) => row.index));
	const metadata = {};
	const first = compileValidated({ ...definition, fields: definition.fields.filter((_, i) => !selfIndexes.has(i)) }, metadata);
	const second = compileValidated({ ...definition, fields: definition.fields.filter((_, i) => selfIndexes.has(i) || isKey(i)) }, metadata);
	return { selfReferences: self.map((row) => row.label), first: carryShapes(compiled, first), second: carryShapes(compiled, second) };
}

/** Derived plans keep the shapes the original was compiled with (from its metadata), row by row. */
function carryShapes(original: CompiledMap, derived: CompiledMap): CompiledMap {
	const byLabel = new Map(original.rows.map((row) => [row.label, row]));
	const rows = derived.rows.map((row) => ({ ...row, shape: byLabel.get(row.label)?.shape ?? row.shape }));
	const rebuilt = new Map(rows.map((row) => [row.label, row]));
	const plan = (direction: 'fo->dataverse' | 'dataverse->fo') => {
		const p = derived.plans[direction];
		return p ? { ...p, rows: p.rows.map((row) => rebuilt.get(row.label)!) } : undefined;
	};
	return { ...derived, rows, plans: { 'fo->dataverse': plan('fo->dataverse'), 'dataverse->fo': plan('dataverse->fo') } };
}
