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
import { mapStep } from '../../lib/sync';
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
		const { compiled, direction } = prepareMap(this);
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const result = mapStep(compiled, direction, items[itemIndex].json);
				(result.output === 'mapped' ? mapped : skipped).push({ json: result.json as IDataObject, pairedItem: { item: itemIndex } });
			} catch (error) {
				if (!(error instanceof MapError)) throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
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
		return [mapped, skipped];
	}
}
