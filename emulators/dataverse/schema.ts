import { TABLES } from './tables';
import type { AlternateKeyDef, ColumnDef, TableDef } from './tables/types';

/**
 * Table definitions compiled into lookup structures the request path uses: columns by name, lookup
 * columns by their `_x_value` name and by navigation property, tables by entity set and logical name.
 */
export interface Lookup {
	column: ColumnDef;
	targets: string[];
	/** `_x_value` */
	valueName: string;
	/** Navigation property -> target logical name (polymorphic lookups get `<col>_<target>`). */
	navigations: Map<string, string>;
}

export interface Table {
	def: TableDef;
	columns: Map<string, ColumnDef>;
	lookups: Map<string, Lookup>;
	lookupByValueName: Map<string, Lookup>;
	lookupByNavigation: Map<string, { lookup: Lookup; target: string }>;
	/** Column order for serialisation: primary id first, then definition order. */
	readColumns: ColumnDef[];
	required: ColumnDef[];
	defaults: ColumnDef[];
	derived: ColumnDef[];
	keys: AlternateKeyDef[];
}

export class Schema {
	readonly bySet = new Map<string, Table>();
	readonly byLogical = new Map<string, Table>();

	constructor(defs: TableDef[] = TABLES) {
		for (const def of defs) {
			const columns = new Map(def.columns.map((c) => [c.name, c]));
			const lookups = new Map<string, Lookup>();
			for (const c of def.columns) {
				if (c.type !== 'lookup') continue;
				const targets = Array.isArray(c.target) ? c.target : [c.target ?? ''];
				const navigations = new Map<string, string>();
				if (targets.length === 1) navigations.set(c.navigation ?? c.name, targets[0]);
				else for (const t of targets) navigations.set(`${c.name}_${t}`, t);
				lookups.set(c.name, { column: c, targets, valueName: `_${c.name}_value`, navigations });
			}
			const lookupByNavigation = new Map<string, { lookup: Lookup; target: string }>();
			for (const l of lookups.values()) for (const [nav, target] of l.navigations) lookupByNavigation.set(nav.toLowerCase(), { lookup: l, target });
			const table: Table = {
				def,
				columns,
				lookups,
				lookupByValueName: new Map([...lookups.values()].map((l) => [l.valueName, l])),
				lookupByNavigation,
				readColumns: def.columns.filter((c) => !c.writeOnly),
				required: def.columns.filter((c) => c.required),
				defaults: def.columns.filter((c) => c.default !== undefined),
				derived: def.columns.filter((c) => c.derivedFrom),
				keys: def.alternateKeys,
			};
			this.bySet.set(def.entitySetName, table);
			this.byLogical.set(def.logicalName, table);
		}
		for (const t of this.byLogical.values()) {
			for (const l of t.lookups.values()) {
				for (const target of l.targets) {
					if (!this.byLogical.has(target)) throw new Error(`Table ${t.def.logicalName}: lookup ${l.column.name} targets unknown table '${target}'.`);
				}
			}
			for (const k of t.keys) {
				for (const c of k.columns) if (!t.columns.has(c)) throw new Error(`Table ${t.def.logicalName}: key ${k.name} names unknown column '${c}'.`);
			}
		}
	}

	table(logicalName: string): Table {
		const t = this.byLogical.get(logicalName);
		if (!t) throw new Error(`Unknown table ${logicalName}`);
		return t;
	}
}
