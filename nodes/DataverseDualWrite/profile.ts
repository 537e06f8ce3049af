import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { DATAVERSE_DEFAULT_BATCH_SIZE, DATAVERSE_MAX_BATCH_SIZE, type RecordKey, type WriteOptions } from '../../lib/connectors';
import type { NodeProfile } from '../shared/helpers/profile';

interface LookupEntry {
	navigationProperty?: string;
	entity?: string;
	key?: string;
}

/**
 * `field=value` pairs separated by commas or new lines, or a JSON object for values that contain those.
 * Values stay text: the connector formats each by the target key field's type.
 */
export function parseKeyPairs(text: string): Record<string, string> | undefined {
	const trimmed = text.trim();
	if (trimmed.startsWith('{')) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(trimmed);
		} catch {
			return undefined;
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
		return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([name, value]) => [name, String(value)]));
	}
	const pairs: Record<string, string> = {};
	for (const part of trimmed.split(/[\n,]/)) {
		if (part.trim() === '') continue;
		const at = part.indexOf('=');
		if (at <= 0) return undefined;
		pairs[part.slice(0, at).trim()] = part.slice(at + 1).trim();
	}
	return Object.keys(pairs).length > 0 ? pairs : undefined;
}

/** Dataverse binds lookups by the target's alternate key (`@odata.bind`), so related rows need no GUID. */
export const dataverseProfile: NodeProfile = {
	system: 'dataverse',
	credentialName: 'dualWriteDataverseOAuth2Api',
	label: 'Dataverse',
	entityPlaceholder: 'accounts',
	filterPlaceholder: "e.g. accountnumber eq 'A-001' and statecode eq 0",
	batch: { defaultSize: DATAVERSE_DEFAULT_BATCH_SIZE, maxSize: DATAVERSE_MAX_BATCH_SIZE },
	readOptions: [],
	writeOptions: [
		{
			displayName: 'Lookups',
			name: 'lookups',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add lookup',
			description: 'Set lookup columns by the related row’s key (alternate key or primary ID), sent as &lt;navigation property&gt;@odata.bind',
			options: [
				{
					displayName: 'Lookup',
					name: 'lookup',
					values: [
						{
							displayName: 'Navigation Property',
							name: 'navigationProperty',
							type: 'string',
							default: '',
							placeholder: 'e.g. msdyn_company',
							description: 'The single-valued navigation property of the lookup (or its _x_value column)',
						},
						{
							displayName: 'Target Entity Set',
							name: 'entity',
							type: 'string',
							default: '',
							placeholder: 'e.g. cdm_companies',
							description: 'The entity set of the related row',
						},
						{
							displayName: 'Key',
							name: 'key',
							type: 'string',
							default: '',
							placeholder: 'e.g. cdm_companycode=USMF',
							description:
								'The related row’s key as field=value pairs separated by commas or new lines, or as a JSON object when values contain commas',
						},
					],
				},
			],
		},
	],
	readOptionsFrom() {
		return {};
	},
	writeOptionsFrom(context: IExecuteFunctions, itemIndex: number): Partial<WriteOptions> {
		const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const entries = ((options.lookups as IDataObject | undefined)?.lookup as LookupEntry[] | undefined) ?? [];
		if (entries.length === 0) return {};
		const lookups: NonNullable<WriteOptions['lookups']> = {};
		for (const entry of entries) {
			const navigationProperty = (entry.navigationProperty ?? '').trim();
			const entity = (entry.entity ?? '').trim();
			const key = parseKeyPairs(entry.key ?? '');
			if (!navigationProperty || !entity || !key) {
				throw new NodeOperationError(context.getNode(), `Incomplete lookup '${navigationProperty || '(no navigation property)'}'`, {
					itemIndex,
					description: 'A lookup needs a navigation property, a target entity set and a key such as cdm_companycode=USMF',
				});
			}
			lookups[navigationProperty] = { entity, key: key as RecordKey };
		}
		return { lookups };
	},
};
