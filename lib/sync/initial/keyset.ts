/**
 * Keyset paging over a source table: read in key order, and resume after the last key a checkpoint recorded. Unlike
 * `$skip` or a nextLink it survives a crash, a restart of n8n and rows created or deleted meanwhile, and it costs
 * the server an index seek instead of re-counting skipped rows.
 */
import type { Connector, DataRecord, EntityInfo } from '../../connectors';
import { and, compare, eq, or, type Expand, type Filter, type ODataValue } from '../../odata';
import type { EnvelopeKey } from '../envelope';

/** The `$orderby` that makes a source's pages follow its key (F&O: `dataAreaId` then the natural key). */
export function keyOrder(entity: EntityInfo): Array<{ field: string }> {
	return entity.key.map((field) => ({ field }));
}

/** `$filter` for the rows after `after` in key order: (k1 > v1) or (k1 = v1 and k2 > v2) or ... */
export function afterKey(entity: EntityInfo, after: EnvelopeKey): Filter {
	const typed = entity.key.map((name) => {
		const field = entity.fields.find((candidate) => candidate.name === name);
		if (!field) throw new Error(`${entity.name}: the key field ${name} is not in the entity's metadata`);
		if (!(name in after)) throw new Error(`${entity.name}: the checkpoint key ${JSON.stringify(after)} has no ${name}`);
		return { name, type: field.edmType, value: after[name] as ODataValue };
	});
	const branches = typed.map((field, index) =>
		and(...typed.slice(0, index).map((before) => eq(before.name, before.value, before.type)), compare(field.name, 'gt', field.value, field.type)),
	);
	return or(...branches);
}

/**
 * The source table in pages of `pageSize` rows, each one request: `$orderby` the key, `$top` the page size, `$filter`
 * after the previous page's last key. Memory holds one page whatever the server's own page size (F&O's is 10,000).
 */
export async function* keysetPages(
	source: Connector,
	entity: EntityInfo,
	query: { select: string[]; expand: readonly Expand[] },
	pageSize: number,
	after?: EnvelopeKey,
): AsyncGenerator<DataRecord[], void, undefined> {
	let last = after;
	for (;;) {
		const page: DataRecord[] = [];
		const rows = source.readPages(entity.name, {
			select: query.select,
			expand: query.expand,
			orderBy: keyOrder(entity),
			limit: pageSize,
			pageSize,
			...(last ? { filter: afterKey(entity, last).text } : {}),
			...(source.system === 'fo' && entity.companySpecific ? { crossCompany: true } : {}),
		});
		for await (const part of rows) page.push(...part);
		if (page.length === 0) return;
		yield page;
		if (page.length < pageSize) return;
		last = source.keyOf(entity, page[page.length - 1]) as EnvelopeKey;
	}
}
