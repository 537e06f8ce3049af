import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';
import { MapError } from '../../lib/maps';
import { toJournalError, type ChangeOutcome } from '../../lib/state';
import { ENVELOPE_FIELD, hasEnvelope, mapStep, publishMapDefinition, type DualWriteEnvelope } from '../../lib/sync';
import { sharedStateStore } from '../shared/state';
import { CUSTOM, properties } from './description';
import { directionOptions, mapOptions, prepareMap } from './prepare';

export class DualWriteMap implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dual-Write Map',
		name: 'dualWriteMap',
		icon: { light: 'file:../../icons/dynamics-fo.svg', dark: 'file:../../icons/dynamics-fo.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{ ($parameter["map"] === "${CUSTOM}" ? "custom map" : $parameter["map"]) + ": " + $parameter["direction"] }}`,
		description: 'Translate F&O records to Dataverse rows or back with a dual-write table map, adding the dualWrite envelope',
		defaults: { name: 'Dual-Write Map' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Mapped', 'Skipped'],
		properties,
	};

	methods = {
		loadOptions: {
			async getMaps(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				return mapOptions();
			},
			async getDirections(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const map = this.getCurrentNodeParameter('map') as string;
				const json = map === CUSTOM ? this.getCurrentNodeParameter('mapJson') : undefined;
				return directionOptions(map, json);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const mapped: INodeExecutionData[] = [];
		const skipped: INodeExecutionData[] = [];
		if (items.length === 0) return [mapped, skipped];
		// Once per execution: a map that does not validate stops the node before any item is touched.
		const { compiled, direction } = prepareMap(this.getNode(), (name, fallback) => this.getNodeParameter(name, 0, fallback));
		// Live sync (items from the Dual-Write Trigger): skips and map errors are the journal change's outcome here.
		const live: Array<{ lease: string; outcome: ChangeOutcome }> = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const json = items[itemIndex].json;
			const ref = hasEnvelope(json) ? json.dualWrite.journal : undefined;
			try {
				const result = mapStep(compiled, direction, json);
				(result.output === 'mapped' ? mapped : skipped).push({ json: result.json as IDataObject, pairedItem: { item: itemIndex } });
				if (ref && result.output === 'skipped') {
					const envelope = (result.json as { dualWrite: DualWriteEnvelope }).dualWrite;
					live.push({ lease: ref.lease, outcome: { id: ref.id, status: 'skipped', decision: envelope.decision ?? 'filtered', detail: envelope.detail } });
				}
			} catch (error) {
				if (!(error instanceof MapError)) throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
				if (ref) {
					// One bad record must not hold up its batch: it is journaled as failed (the error log shows it) and
					// goes to Skipped with the reason, whatever "continue on fail" says.
					live.push({ lease: ref.lease, outcome: { id: ref.id, status: 'failed', error: toJournalError(error, 'validation'), retry: false } });
					const envelope = { ...(json as { dualWrite: DualWriteEnvelope }).dualWrite, decision: 'failed' as const, detail: error.message };
					skipped.push({ json: { ...json, [ENVELOPE_FIELD]: envelope } as IDataObject, pairedItem: { item: itemIndex } });
					continue;
				}
				const context = error.context;
				const detail: JsonObject = {
					message: error.message,
					map: context.map,
					direction: context.direction,
					...(context.field !== undefined ? { field: context.field } : {}),
					...('value' in context ? { value: (context.value ?? null) as JsonObject[string] } : {}),
					...(context.recordKey !== undefined ? { recordKey: context.recordKey as JsonObject } : {}),
				};
				if (this.continueOnFail()) {
					mapped.push({ json: { error: detail }, pairedItem: { item: itemIndex } });
					continue;
				}
				const failure = new NodeOperationError(this.getNode(), error.message, {
					itemIndex,
					description: `Map ${context.map}, ${context.direction}${context.field ? `, field ${context.field}` : ''}${
						context.recordKey ? `, record ${JSON.stringify(context.recordKey)}` : ''
					}`,
				});
				failure.context.mapError = detail;
				throw failure;
			}
		}
		if (live.length > 0 || mapped.some((item) => hasEnvelope(item.json) && item.json.dualWrite.journal)) {
			const store = await sharedStateStore();
			// The upsert node reads the map it must merge with from here (overrides and custom maps included).
			await publishMapDefinition(store, compiled);
			const byLease = new Map<string, ChangeOutcome[]>();
			for (const { lease, outcome } of live) byLease.set(lease, [...(byLease.get(lease) ?? []), outcome]);
			for (const [lease, outcomes] of byLease) await store.complete(lease, outcomes);
		}
		return [mapped, skipped];
	}
}
