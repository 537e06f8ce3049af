/**
 * What a reader must ask the source for so that `apply` finds every value: the plain fields in `$select`, and each
 * lookup path as an `$expand` of its navigation with the key field selected (Dataverse returns only the GUID
 * `_x_value` otherwise). Filter fields, key fields, the company and polymorphic hints are included.
 */
import type { Expand } from '../odata';
import type { CompiledMap } from './compile';
import { filterFields } from './filters/expression';
import type { SyncDirection } from './types';

export interface SourceQuery {
	entity: string;
	select: string[];
	expand: Expand[];
}

export function sourceQuery(compiled: CompiledMap, direction: SyncDirection): SourceQuery {
	const plan = compiled.plans[direction];
	const fromFo = direction === 'fo->dataverse';
	const sourceSide = fromFo ? compiled.definition.fo : compiled.definition.dataverse;
	const select = new Set<string>();
	const expand = new Map<string, Set<string>>();
	const addPath = (navigation: string, keyField: string) => {
		const fields = expand.get(navigation) ?? new Set<string>();
		fields.add(keyField);
		expand.set(navigation, fields);
	};
	const addField = (name: string) => {
		const dot = name.indexOf('.');
		if (!fromFo && dot > 0) addPath(name.slice(0, dot), name.slice(dot + 1));
		else select.add(name);
	};
	for (const part of sourceSide.key) addField(part);
	if (compiled.company) addField(fromFo ? compiled.company.fo : compiled.company.dataverse);
	for (const row of plan?.rows ?? []) {
		if (fromFo) {
			if (row.fo !== null) select.add(row.fo);
			if (row.lookup?.targetBy) select.add(row.lookup.targetBy.field);
			continue;
		}
		const path = row.dataverse;
		if (path === null) continue;
		if (path.kind === 'column') select.add(path.column);
		else if (path.kind === 'lookup') addPath(path.navigation, path.keyField);
		else for (const target of path.targets) addPath(target.navigation, target.keyField);
	}
	if (plan?.filter) for (const field of filterFields(plan.filter)) select.add(field);
	return {
		entity: sourceSide.entity,
		select: [...select],
		expand: [...expand].map(([navigation, fields]) => ({ navigation, select: [...fields] })),
	};
}
