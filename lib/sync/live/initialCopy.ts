/**
 * A simple initial copy of one map and direction, through the same merge, diff and ledger as live sync: existing
 * records are linked in the ledger (so live changes afterwards know their counterpart and their echoes), records
 * already equal are left alone, and a record whose parent is missing is tried again after the rest (self-lookups
 * such as an invoice account). Not the control plane's resumable initial sync: no checkpoints, no dry run.
 */
import type { Connector } from '../../connectors';
import { sourceQuery, type CompiledMap, type SyncDirection } from '../../maps';
import { ENVELOPE_FIELD, type DualWriteEnvelope, type EnvelopedItem } from '../envelope';
import { mapStep } from '../mapStep';
import { writeLive, type LiveItemResult, type LiveStore } from './liveWrite';
import { sourceOf, targetOf } from './sides';

export interface CopyOptions {
	store: LiveStore;
	source: Connector;
	target: Connector;
	compiled: CompiledMap;
	direction: SyncDirection;
	pageSize?: number;
}

export interface CopyReport {
	read: number;
	written: number;
	unchanged: number;
	skipped: number;
	failed: Array<{ key: unknown; message: string }>;
}

export async function copyMap(options: CopyOptions): Promise<CopyReport> {
	const { compiled, direction, source, target } = options;
	const query = sourceQuery(compiled, direction);
	const entity = await source.describe(query.entity);
	const report: CopyReport = { read: 0, written: 0, unchanged: 0, skipped: 0, failed: [] };
	const retry: EnvelopedItem[] = [];
	const count = (items: EnvelopedItem[], results: LiveItemResult[], final: boolean) =>
		results.forEach((result, index) => {
			if (result.status === 'done') report.written++;
			else if (result.status === 'skipped') report.unchanged++;
			else if (!final && result.error?.class === 'missing-reference') retry.push(items[index]);
			else report.failed.push({ key: items[index].dualWrite.source.key, message: result.detail });
		});
	const pages = source.readPages(query.entity, {
		select: query.select,
		expand: query.expand,
		pageSize: options.pageSize ?? 500,
		...(source.system === 'fo' && entity.companySpecific ? { crossCompany: true } : {}),
	});
	for await (const page of pages) {
		report.read += page.length;
		const items: EnvelopedItem[] = [];
		for (const record of page) {
			// The envelope a trigger would give it: the record's identity on its side is the ledger's key.
			const incoming: DualWriteEnvelope = {
				map: compiled.id,
				mapVersion: compiled.version,
				direction,
				change: 'update',
				source: { system: sourceOf(direction), entity: entity.name, key: source.keyOf(entity, record) as DualWriteEnvelope['source']['key'] },
				target: { system: targetOf(direction), entity: '', key: {} },
			};
			try {
				const step = mapStep(compiled, direction, { ...record, [ENVELOPE_FIELD]: incoming });
				if (step.output === 'mapped') items.push(step.json as EnvelopedItem);
				else report.skipped++;
			} catch (error) {
				report.failed.push({ key: incoming.source.key, message: error instanceof Error ? error.message : String(error) });
			}
		}
		if (items.length > 0) count(items, await writeLive({ store: options.store, connector: target, compiled }, items), false);
	}
	if (retry.length > 0) count(retry, await writeLive({ store: options.store, connector: target, compiled }, retry), true);
	return report;
}
