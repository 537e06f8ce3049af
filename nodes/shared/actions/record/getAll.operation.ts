import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { EntityInfo, Expand, ReadOptions } from '../../../../lib/connectors';
import { unknownField } from '../../helpers/fields';
import { errorJson, toNodeError } from '../../helpers/errors';
import type { NodeProfile } from '../../helpers/profile';
import { getConnector } from '../../transport';
import { showFor } from '../common';
import { selectedFields } from './get.operation';
import { entityOf } from './write';

export function description(profile: NodeProfile): INodeProperties[] {
	const options: INodeProperties[] = [
		{
			displayName: 'Fields to Return',
			name: 'select',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['entity.value'] },
			default: [],
			description: 'Only these fields ($select); all fields when empty. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Expand',
			name: 'expand',
			type: 'string',
			default: '',
			placeholder: 'e.g. msdyn_customergroupid($select=msdyn_groupid),msdyn_company($select=cdm_companycode)',
			description: 'Related records inline, one level ($expand): navigation properties separated by commas, each optionally with ($select=field,…)',
		},
		{
			displayName: 'Filter',
			name: 'filter',
			type: 'string',
			default: '',
			placeholder: profile.filterPlaceholder,
			description: `An OData $filter in ${profile.label} syntax, sent as written. Put values in quotes with inner quotes doubled ('O''Brien').`,
		},
		{
			displayName: 'Sort',
			name: 'orderBy',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add sort field',
			options: [
				{
					displayName: 'Field',
					name: 'field',
					values: [
						{
							displayName: 'Field Name or ID',
							name: 'field',
							type: 'options',
							typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['entity.value'] },
							default: '',
							description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
						},
						{
							displayName: 'Descending',
							name: 'descending',
							type: 'boolean',
							default: false,
							description: 'Whether to sort from the highest value to the lowest',
						},
					],
				},
			],
		},
		...profile.readOptions,
	];
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			displayOptions: showFor(['getAll']),
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			displayOptions: { show: { resource: ['record'], operation: ['getAll'], returnAll: [false] } },
			description: 'Max number of results to return',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: showFor(['getAll']),
			options: options.sort((a, b) => a.displayName.localeCompare(b.displayName)),
		},
	];
}

function readOptions(context: IExecuteFunctions, profile: NodeProfile, entity: EntityInfo, itemIndex: number): ReadOptions {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const select = selectedFields(context, entity, options.select, itemIndex);
	const sort = ((options.orderBy as IDataObject | undefined)?.field as Array<{ field: string; descending?: boolean }> | undefined) ?? [];
	for (const { field } of sort) {
		if (!entity.fields.some((candidate) => candidate.name === field)) throw unknownField(context.getNode(), entity, field, itemIndex);
	}
	const filter = typeof options.filter === 'string' ? options.filter.trim() : '';
	const expand = typeof options.expand === 'string' ? parseExpand(context, options.expand, itemIndex) : [];
	return {
		...(expand.length > 0 ? { expand } : {}),
		...(filter !== '' ? { filter } : {}),
		...(select ? { select } : {}),
		...(sort.length > 0 ? { orderBy: sort.map(({ field, descending }) => ({ field, descending: descending === true })) } : {}),
		...(returnAll ? {} : { limit: context.getNodeParameter('limit', itemIndex, 50) as number }),
		...profile.readOptionsFrom(context, itemIndex),
	};
}

/** `nav($select=a,b),nav2` as lib/odata's Expand list; anything else is a parameter error naming the part. */
export function parseExpand(context: IExecuteFunctions, text: string, itemIndex: number): Expand[] {
	const expand: Expand[] = [];
	const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*\$select\s*=\s*([A-Za-z0-9_,\s]+)\))?\s*(,|$)/y;
	let rest = text.trim();
	while (rest.length > 0) {
		pattern.lastIndex = 0;
		const match = pattern.exec(rest);
		if (!match || match[0].length === 0) {
			throw new NodeOperationError(context.getNode(), `Expand: cannot read "${rest}"`, {
				itemIndex,
				description: 'Write navigation properties separated by commas, each optionally followed by ($select=field,field)',
			});
		}
		const select = match[2]?.split(',').map((field) => field.trim()).filter((field) => field !== '');
		expand.push({ navigation: match[1], ...(select && select.length > 0 ? { select } : {}) });
		rest = rest.slice(match[0].length);
	}
	return expand;
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const connector = await getConnector(this, profile);
	const entities = new Map<string, EntityInfo>();
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const entity = await entityOf(this, connector, i, entities);
			const records: IDataObject[] = [];
			// Page by page, as the service serves them; the connector stops at the limit.
			for await (const page of connector.readPages(entity.name, readOptions(this, profile, entity, i))) records.push(...(page as IDataObject[]));
			output.push(...this.helpers.constructExecutionMetaData(this.helpers.returnJsonArray(records), { itemData: { item: i } }));
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
			output.push(...this.helpers.constructExecutionMetaData(this.helpers.returnJsonArray({ error: errorJson(error) }), { itemData: { item: i } }));
		}
	}
	return output;
}
