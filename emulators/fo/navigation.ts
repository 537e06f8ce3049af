/**
 * Navigation properties, derived from foreign keys (no entity definition names them). Real F&O entities carry
 * relations as navigation properties and `$expand` follows one level of them (reference §3.2). Emulator choices:
 * a foreign-key field gives a single-valued navigation named after the target's type (`CustomerGroup`), or
 * `<Field>_<Type>` when the entity has two foreign keys to one target or a field of that name; a child whose key
 * holds a foreign key to its parent (order lines) gives the parent a collection navigation named after the
 * child's set (`CDSSalesOrderLines`). Company-specific targets are read in the row's own company.
 */
import type { EntityDef } from './model';
import { GLOBAL_PARTITION, type EntitySet, type Row, type Store } from './store';

export interface Navigation {
	name: string;
	target: EntitySet;
	many: boolean;
	/** Single: the foreign-key field of this entity. Many: the child's foreign-key field naming this entity. */
	field: string;
}

const cache = new WeakMap<EntitySet, Navigation[]>();

export function navigationsOf(store: Store, set: EntitySet): Navigation[] {
	const known = cache.get(set);
	if (known) return known;
	const navigations: Navigation[] = [];
	const foreignKeys = set.def.fields.filter((field) => field.foreignKey && store.set(field.foreignKey.entity));
	for (const field of foreignKeys) {
		const target = store.set(field.foreignKey!.entity) as EntitySet;
		const shared = foreignKeys.filter((other) => other.foreignKey!.entity === field.foreignKey!.entity).length > 1;
		const typeName = target.def.typeName;
		const name = shared || set.fieldByName.has(typeName) ? `${field.name}_${typeName}` : typeName;
		// A target keyed by more than one own field cannot be reached through a single foreign-key value.
		if (target.ownKeys.length === 1) navigations.push({ name, target, many: false, field: field.name });
	}
	for (const child of store.sets.values()) {
		const field = child.def.fields.find((candidate) => candidate.foreignKey?.entity === set.def.setName && child.def.keys.includes(candidate.name));
		if (field && set.ownKeys.length === 1) navigations.push({ name: child.def.setName, target: child, many: true, field: field.name });
	}
	cache.set(set, navigations);
	return navigations;
}

/** The related row(s) of one row: `null` for an empty or dangling foreign key, `[]` for no children. */
export function follow(set: EntitySet, row: Row, navigation: Navigation): Row | Row[] | null {
	const { target } = navigation;
	if (navigation.many) {
		const own = String(row.values[set.ownKeys[0]]).toLowerCase();
		const companies = [target.def.companySpecific ? row.company : GLOBAL_PARTITION];
		return [...target.rows(companies)].filter((child) => String(child.values[navigation.field]).toLowerCase() === own);
	}
	const value = row.values[navigation.field];
	if (value === '' || value === null || value === undefined) return null;
	const company = target.def.companySpecific ? row.company : GLOBAL_PARTITION;
	return target.get(company, String(value).toLowerCase()) ?? null;
}

/** `<NavigationProperty>` elements and the entity set's bindings, for `$metadata`. */
export function navigationXml(store: Store, def: EntityDef, namespace: string): { properties: string; bindings: string } {
	const set = store.set(def.setName);
	if (!set) return { properties: '', bindings: '' };
	const navigations = navigationsOf(store, set);
	const properties = navigations
		.map((n) => {
			const type = n.many ? `Collection(${namespace}.${n.target.def.typeName})` : `${namespace}.${n.target.def.typeName}`;
			const constraint = n.many ? '' : `<ReferentialConstraint Property="${n.field}" ReferencedProperty="${n.target.ownKeys[0]}"/>`;
			return `<NavigationProperty Name="${n.name}" Type="${type}">${constraint}</NavigationProperty>`;
		})
		.join('');
	const bindings = navigations.map((n) => `<NavigationPropertyBinding Path="${n.name}" Target="${n.target.def.setName}"/>`).join('');
	return { properties, bindings };
}
