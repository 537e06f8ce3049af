import type { INodeProperties } from 'n8n-workflow';

export const CUSTOM = 'custom';

const DIRECTIONS = [
	{ name: 'F&O → Dataverse', value: 'fo->dataverse' },
	{ name: 'Dataverse → F&O', value: 'dataverse->fo' },
];

export const properties: INodeProperties[] = [
	{
		displayName: 'Map Name or ID',
		name: 'map',
		type: 'options',
		noDataExpression: true,
		typeOptions: { loadOptionsMethod: 'getMaps' },
		default: '',
		required: true,
		description:
			'A standard map of the catalog, or Custom (JSON). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Map Definition (JSON)',
		name: 'mapJson',
		type: 'json',
		default: '{\n  "id": "my-map",\n  "version": "1.0.0",\n  "title": "My map",\n  "fo": { "entity": "", "key": [] },\n  "dataverse": { "entity": "", "key": [] },\n  "fields": []\n}',
		required: true,
		displayOptions: { show: { map: [CUSTOM] } },
		description: "A map in the catalog's JSON format (like the files of the package's maps folder); it is validated before any item is processed",
	},
	{
		displayName: 'Direction Name or ID',
		name: 'direction',
		type: 'options',
		noDataExpression: true,
		typeOptions: { loadOptionsMethod: 'getDirections', loadOptionsDependsOn: ['map', 'mapJson'] },
		default: 'fo->dataverse',
		required: true,
		description:
			'Which way the records flow; only directions the map writes are listed. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Field Overrides',
		name: 'overrides',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add override',
		description: 'Changes to the map for this node only; the changed map is validated again',
		options: [
			{
				displayName: 'Field Row',
				name: 'field',
				values: [
					{
						displayName: 'F&O Field',
						name: 'fo',
						type: 'string',
						default: '',
						placeholder: 'e.g. CustomerGroupId',
						description: 'Replaces the row with this F&O field, or adds one. Empty: none (a constant on the Dataverse side).',
					},
					{
						displayName: 'Dataverse Column',
						name: 'dataverse',
						type: 'string',
						default: '',
						placeholder: 'e.g. msdyn_customergroupid.msdyn_groupid',
						description: 'Column, or a lookup as a dotted path. Empty: none (a constant on the F&O side).',
					},
					{
						displayName: 'Direction',
						name: 'direction',
						type: 'options',
						options: [{ name: 'Both', value: 'both' }, ...DIRECTIONS],
						default: 'both',
					},
					{
						displayName: 'Default',
						name: 'default',
						type: 'string',
						default: '',
						description: 'Written when the source is none or empty; numbers, true/false and null are read as JSON. Empty: no default.',
					},
				],
			},
			{
				displayName: 'Value Map Pair',
				name: 'valuePair',
				values: [
					{
						displayName: 'Row Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. CreditRating',
						description: 'The F&O field or Dataverse column of the row the pair belongs to',
					},
					{
						displayName: 'F&O Value',
						name: 'fo',
						type: 'string',
						default: '',
						description: 'Numbers, true/false and null are read as JSON',
					},
					{
						displayName: 'Dataverse Value',
						name: 'dataverse',
						type: 'string',
						default: '',
						description: 'Numbers, true/false and null are read as JSON',
					},
				],
			},
		],
	},
];
