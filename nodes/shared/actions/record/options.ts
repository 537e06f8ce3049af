import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { WriteOptions } from '../../../../lib/connectors';
import type { NodeProfile } from '../../helpers/profile';
import { batchSizeOption, showFor, type RecordOperationName } from '../common';

const etagOption: INodeProperties = {
	displayName: 'ETag',
	name: 'etag',
	type: 'string',
	default: '',
	description:
		'Write only if the record still has this ETag (the @odata.etag of an earlier read); otherwise the item fails with HTTP 412',
};

/** The options collection of a write operation; collections must list their entries alphabetically. */
export function writeOptions(profile: NodeProfile, operation: Exclude<RecordOperationName, 'get' | 'getAll'>): INodeProperties {
	const entries: INodeProperties[] = [batchSizeOption(profile)];
	if (operation === 'update' || operation === 'delete') entries.push(etagOption);
	if (operation !== 'delete') {
		entries.push(
			{
				displayName: 'Return Record',
				name: 'returnRecord',
				type: 'boolean',
				default: false,
				description: 'Whether to output the record as stored after the write (may cost one more read)',
			},
			...profile.writeOptions,
		);
	}
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: showFor([operation]),
		options: entries.sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}

export function writeOptionsOf(context: IExecuteFunctions, profile: NodeProfile, itemIndex: number): WriteOptions {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		...(options.returnRecord === true ? { returnRecord: true } : {}),
		...(typeof options.etag === 'string' && options.etag !== '' ? { etag: options.etag } : {}),
		...profile.writeOptionsFrom(context, itemIndex),
	};
}
