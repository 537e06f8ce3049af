import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { StateStore } from '../../../lib/state';

/** One operation: runs for one input item (parameters may be expressions of it) against the shared state store. */
export interface Operation {
	execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]>;
}
