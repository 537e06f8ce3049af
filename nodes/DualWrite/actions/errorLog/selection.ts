import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { JournalSelection, JournalStatus } from '../../../../lib/state';
import { idsParameter, journalFilter, journalFilters, RETRY_SELECTION, showFor } from '../common';

/** "By ID" or "By Filter" parameters of an operation that acts on a set of changes. */
export function selectionParameters(operation: string, statuses: readonly JournalStatus[]): INodeProperties[] {
	return [
		{
			displayName: 'Select',
			name: 'select',
			type: 'options',
			noDataExpression: true,
			options: RETRY_SELECTION,
			default: 'ids',
			displayOptions: showFor('errorLog', [operation]),
		},
		{
			displayName: 'Change IDs',
			name: 'ids',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 12, 15',
			description: 'Journal IDs separated by commas, or an expression giving one ID or a list (e.g. the ID field of the Error Log items coming in)',
			displayOptions: { show: { resource: ['errorLog'], operation: [operation], select: ['ids'] } },
		},
		{ ...journalFilters('errorLog', [operation], statuses), displayOptions: { show: { resource: ['errorLog'], operation: [operation], select: ['filter'] } } },
	];
}

export function selection(context: IExecuteFunctions, itemIndex: number): JournalSelection {
	return context.getNodeParameter('select', itemIndex, 'ids') === 'filter' ? journalFilter(context, itemIndex) : idsParameter(context, itemIndex);
}
