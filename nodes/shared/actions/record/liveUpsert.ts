import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { envelopeTargetProblem, ENVELOPE_FIELD, loadPublishedMap, writeLive, type EnvelopedItem } from '../../../../lib/sync';
import type { NodeProfile } from '../../helpers/profile';
import { sharedStateStore } from '../../state';
import { getConnector } from '../../transport';

/**
 * Upsert of live-sync items (they carry a journal change from the Dual-Write Trigger): merge, diff, write in
 * `$batch`, and record every outcome in the journal and the ledger (lib/sync/live/liveWrite.ts). A failed write is
 * journaled with the server's message and retried by the trigger later, so it does not fail the execution and hold
 * up the rest of the batch; the item shows it under `error`.
 */
export async function liveUpsert(context: IExecuteFunctions, profile: NodeProfile, items: EnvelopedItem[]): Promise<INodeExecutionData[]> {
	const node = context.getNode();
	items.forEach((item, itemIndex) => {
		const problem = envelopeTargetProblem(profile.system, item);
		if (problem) throw new NodeOperationError(node, problem, { itemIndex });
	});
	const batchSize = context.getNodeParameter('options.batchSize', 0, profile.batch.defaultSize) as number;
	const [connector, store] = await Promise.all([getConnector(context, profile), sharedStateStore()]);
	const byMap = new Map<string, number[]>();
	items.forEach((item, index) => byMap.set(item.dualWrite.map, [...(byMap.get(item.dualWrite.map) ?? []), index]));
	const out: INodeExecutionData[] = new Array(items.length);
	for (const [mapId, indexes] of byMap) {
		const compiled = await loadPublishedMap(store, mapId);
		if (!compiled) {
			throw new NodeOperationError(node, `Map ${mapId} is unknown to the state store`, {
				itemIndex: indexes[0],
				description: 'Live-sync items must pass through a Dual-Write Map node before this node.',
			});
		}
		const results = await writeLive({ store, connector, compiled, ...(batchSize > 0 ? { batchSize } : {}) }, indexes.map((index) => items[index]));
		results.forEach((result, position) => {
			const index = indexes[position];
			const item = items[index];
			const envelope = {
				...item.dualWrite,
				...(result.result ? { result: { outcome: result.result.outcome, ...(result.result.id !== undefined ? { id: result.result.id } : {}) } } : {}),
				...(result.status === 'skipped' ? { decision: result.decision, detail: result.detail } : {}),
			};
			const json: IDataObject = { ...item, [ENVELOPE_FIELD]: envelope as unknown as IDataObject };
			if (result.status === 'failed') json.error = { ...(result.error as unknown as IDataObject) };
			out[index] = { json, pairedItem: { item: index } };
		});
	}
	return out;
}
