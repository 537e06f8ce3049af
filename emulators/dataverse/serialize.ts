import type { Schema, Table } from './schema';
import { isLookupValue, type Row, type Store } from './store';

/** Rows out as Dataverse JSON: `@odata.etag`, lookups as `_x_value`, optional annotations and `$expand`. */
export const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAV = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

export interface Expand {
	navigation: string;
	column: string;
	select?: string[];
}

export interface ReadShape {
	/** Column logical names to include (lookups by their column name); undefined = all readable columns. */
	select?: Set<string>;
	annotations?: (term: string) => boolean;
	expand?: Expand[];
}

export const etagOf = (row: Row) => `W/"${String(row.versionnumber)}"`;

export function serializeRow(schema: Schema, store: Store, table: Table, row: Row, shape: ReadShape = {}): Record<string, unknown> {
	const out: Record<string, unknown> = { '@odata.etag': etagOf(row) };
	const ann = shape.annotations;
	for (const col of table.readColumns) {
		if (shape.select && !shape.select.has(col.name) && col.name !== table.def.primaryId) continue;
		const v = row[col.name];
		if (col.type === 'lookup') {
			const name = `_${col.name}_value`;
			const ref = isLookupValue(v) ? v : undefined;
			if (ann && ref) {
				const target = schema.byLogical.get(ref.table);
				const targetRow = target ? store.of(ref.table).get(ref.id) : undefined;
				if (ann(FORMATTED) && target && targetRow) out[`${name}@${FORMATTED}`] = targetRow[target.def.primaryName] ?? null;
				const nav = [...(table.lookups.get(col.name)?.navigations ?? [])].find(([, t]) => t === ref.table)?.[0];
				if (ann(ASSOCIATED_NAV) && nav) out[`${name}@${ASSOCIATED_NAV}`] = nav;
				if (ann(LOOKUP_LOGICAL)) out[`${name}@${LOOKUP_LOGICAL}`] = ref.table;
			}
			out[name] = ref ? ref.id : null;
			continue;
		}
		if (ann && ann(FORMATTED) && v !== null && v !== undefined) {
			if (col.type === 'choice') out[`${col.name}@${FORMATTED}`] = col.choices?.[v as number] ?? String(v);
			else if (col.type === 'boolean') out[`${col.name}@${FORMATTED}`] = v ? 'Yes' : 'No';
		}
		out[col.name] = v === undefined ? null : v;
	}
	for (const e of shape.expand ?? []) {
		const ref = row[e.column];
		if (!isLookupValue(ref)) {
			out[e.navigation] = null;
			continue;
		}
		const target = schema.table(ref.table);
		const targetRow = store.of(ref.table).get(ref.id);
		out[e.navigation] = targetRow ? serializeRow(schema, store, target, targetRow, { select: e.select ? new Set(e.select) : undefined }) : null;
	}
	return out;
}
