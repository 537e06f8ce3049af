import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { NodeProfile } from '../helpers/profile';
import type { RecordOperationName } from './common';
import * as record from './record';

export async function router(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as RecordOperationName;
	const handler = resource === 'record' ? record.operations[operation] : undefined;
	if (!handler) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
	return [await handler.execute.call(this, profile)];
}
