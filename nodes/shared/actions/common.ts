import type { INodeProperties } from 'n8n-workflow';
import type { NodeProfile } from '../helpers/profile';

export const RECORD_OPERATIONS = ['create', 'update', 'upsert', 'delete', 'get', 'getAll'] as const;
export type RecordOperationName = (typeof RECORD_OPERATIONS)[number];

export function showFor(operations: RecordOperationName[]): INodeProperties['displayOptions'] {
	return { show: { resource: ['record'], operation: operations } };
}

export function entityLocator(profile: NodeProfile): INodeProperties {
	return {
		displayName: 'Entity',
		name: 'entity',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: `The ${profile.label} entity set (collection name used in URLs), as listed in $metadata`,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select an entity…',
				typeOptions: { searchListMethod: 'searchEntities', searchable: true },
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: `e.g. ${profile.entityPlaceholder}`,
				validation: [
					{
						type: 'regex',
						properties: { regex: '^[A-Za-z_][A-Za-z0-9_]*$', errorMessage: 'An entity set name: letters, digits and underscores' },
					},
				],
			},
		],
	};
}

/** The key of one record, as a resource mapper listing the entity's key fields. */
export function keyMapper(operations: RecordOperationName[]): INodeProperties {
	return {
		displayName: 'Key',
		name: 'key',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['entity.value'],
			resourceMapper: {
				resourceMapperMethod: 'getMappingColumns',
				mode: 'add',
				fieldWords: { singular: 'key field', plural: 'key fields' },
				addAllFields: true,
				multiKeyMatch: true,
				noFieldsError: 'The entity has no key fields in $metadata',
			},
		},
		displayOptions: showFor(operations),
	};
}

export function valuesMapper(operation: 'create' | 'update' | 'upsert'): INodeProperties {
	return {
		displayName: 'Columns',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['entity.value'],
			resourceMapper: {
				resourceMapperMethod: 'getMappingColumns',
				mode: operation === 'create' ? 'add' : operation,
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: true,
				multiKeyMatch: true,
				supportAutoMap: true,
			},
		},
		displayOptions: showFor([operation]),
	};
}

export function batchSizeOption(profile: NodeProfile): INodeProperties {
	// The lint rule reads defaults from the source text; it accepts a name, not a member expression.
	const defaultSize = profile.batch.defaultSize;
	return {
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: defaultSize,
		typeOptions: { minValue: 0, maxValue: profile.batch.maxSize, numberPrecision: 0 },
		description: `Items per $batch request (at most ${profile.batch.maxSize}); 0 sends one request per item. Failures are reported per item. Without "Continue On Fail" the node stops at the first failure, but only after the whole batch holding it was sent, so the other writes of that batch are kept.`,
	};
}
