import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { EntityInfo } from '../../../../lib/connectors';
import { ODataError } from '../../../../lib/odata';
import { keyFromValues, mappedValues, unknownField } from '../../helpers/fields';
import { errorJson, toNodeError } from '../../helpers/errors';
import type { NodeProfile } from '../../helpers/profile';
import { getConnector } from '../../transport';
import { keyMapper, showFor } from '../common';
import { givenKey } from './delete.operation';
import { entityOf } from './write';

export function description(): INodeProperties[] {
	return [
		keyMapper(['get']),
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: showFor(['get']),
			options: [
				{
					displayName: 'Fields to Return',
					name: 'select',
					type: 'multiOptions',
					typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['entity.value'] },
					default: [],
					description: 'Only these fields ($select); all fields when empty. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
			],
		},
	];
}

/** `$select` names, checked against $metadata so a typo fails before the request, with a suggestion. */
export function selectedFields(context: IExecuteFunctions, entity: EntityInfo, value: unknown, itemIndex: number): string[] | undefined {
	const names = (Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [])
		.map((name) => String(name).trim())
		.filter((name) => name !== '');
	for (const name of names) {
		if (!entity.fields.some((field) => field.name === name)) throw unknownField(context.getNode(), entity, name, itemIndex);
	}
	return names.length > 0 ? names : undefined;
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const connector = await getConnector(this, profile);
	const entities = new Map<string, EntityInfo>();
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		let json: IDataObject;
		try {
			const entity = await entityOf(this, connector, i, entities);
			const { values } = mappedValues(this, 'key', i);
			const key = keyFromValues(this.getNode(), entity, values, givenKey(entity.key, entity.alternateKeys, values), i);
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const select = selectedFields(this, entity, options.select, i);
			const record = await connector.get(entity.name, key, select ? { select } : {});
			if (!record) {
				throw new ODataError({ system: profile.system, entity: entity.name, key, status: 404, transient: false, detail: 'no record with this key' });
			}
			json = record as IDataObject;
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			json = { error: errorJson(error) };
		}
		output.push(...this.helpers.constructExecutionMetaData(this.helpers.returnJsonArray(json), { itemData: { item: i } }));
	}
	return output;
}
