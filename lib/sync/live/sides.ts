/**
 * Which side is which in a direction, and the values of one side that the ledger keeps as its half of the master
 * state (RxDB's "assumed master state", with two masters: each side's row holds the agreement under its own field
 * names, so a later change in either direction merges against values it can compare).
 */
import { sourceQuery, type CompiledMap, type SourceQuery, type SyncDirection } from '../../maps';
import type { SystemName } from '../../odata';

export const sourceOf = (direction: SyncDirection): SystemName => (direction === 'fo->dataverse' ? 'fo' : 'dataverse');
export const targetOf = (direction: SyncDirection): SystemName => (direction === 'fo->dataverse' ? 'dataverse' : 'fo');
export const otherSide = (side: SystemName): SystemName => (side === 'fo' ? 'dataverse' : 'fo');
export const directionTo = (target: SystemName): SyncDirection => (target === 'dataverse' ? 'fo->dataverse' : 'dataverse->fo');

/**
 * The plain fields a map writes on `side` (lookups travel as binds, not record fields), with `record`'s values: what
 * a merge in the direction towards `side` compares against. `except` drops fields by their name on the other side
 * (fields where the other side's value won and this side is behind).
 */
export function sideValues(compiled: CompiledMap, side: SystemName, record: Record<string, unknown>, except: readonly string[] = []): Record<string, unknown> {
	const plan = compiled.plans[directionTo(side)];
	const values: Record<string, unknown> = {};
	if (!plan) return values;
	const skipped = new Set(except);
	const other = otherSide(side);
	for (const row of plan.rows) {
		const name = row.target[side];
		if (name === undefined || name.includes('.') || !(name in record)) continue;
		const otherName = row.target[other];
		if (otherName !== undefined && skipped.has(otherName)) continue;
		values[name] = record[name];
	}
	return values;
}

/**
 * What to read of a `side` record so that the map can both map it (its plan from `side`) and hash it as `hashRecord`
 * does (the plan towards `side`, which also has the one-way fields the other side feeds): the ledger compares hashes
 * of such reads with the hashes of our writes.
 */
export function ledgerQuery(compiled: CompiledMap, side: SystemName): SourceQuery {
	const from = directionTo(otherSide(side));
	const to = directionTo(side);
	const parts: SourceQuery[] = [];
	if (compiled.plans[from]) parts.push(sourceQuery(compiled, from));
	// sourceQuery reads a plan's rows on its source side; handing it the plan towards `side` under the other
	// direction's name makes it list that plan's fields on `side`.
	// (without its filter, which is written in the other side's field names).
	const towards = compiled.plans[to];
	if (towards) parts.push(sourceQuery({ ...compiled, plans: { ...compiled.plans, [from]: { ...towards, filter: undefined } } }, from));
	const select = new Set<string>();
	const expand = new Map<string, Set<string>>();
	for (const part of parts) {
		for (const field of part.select) select.add(field);
		for (const e of part.expand) {
			const fields = expand.get(e.navigation) ?? new Set<string>();
			for (const field of e.select ?? []) fields.add(field);
			expand.set(e.navigation, fields);
		}
	}
	const entity = side === 'fo' ? compiled.definition.fo.entity : compiled.definition.dataverse.entity;
	return { entity, select: [...select], expand: [...expand].map(([navigation, fields]) => ({ navigation, select: [...fields] })) };
}
