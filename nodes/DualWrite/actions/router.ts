import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { StateStore } from '../../../lib/state';
import { sharedStateStore } from '../../shared/state';
import * as activity from './activity';
import * as alertRule from './alertRule';
import type { Resource } from './common';
import * as errorLog from './errorLog';
import * as initialSync from './initialSync';
import * as map from './map';
import type { Operation } from './operation';

const RESOURCES: Record<Resource, Record<string, Operation>> = {
	map: map.operations,
	errorLog: errorLog.operations,
	activity: activity.operations,
	alertRule: alertRule.operations,
	initialSync: initialSync.operations,
};

function failure(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(context.getNode(), error instanceof Error ? error : String(error), { itemIndex });
}

/** Runs the chosen operation once per input item, so that parameters can be expressions of each item. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as Resource;
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = RESOURCES[resource]?.[operation];
	if (!handler) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
	let store: StateStore;
	try {
		store = await sharedStateStore();
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `Cannot open the dual-write state store: ${error instanceof Error ? error.message : String(error)}`);
	}
	const output: INodeExecutionData[] = [];
	const items = this.getInputData();
	for (let i = 0; i < items.length; i++) {
		try {
			output.push(...(await handler.execute.call(this, store, i)));
		} catch (error) {
			if (!this.continueOnFail()) throw failure(this, error, i);
			output.push({ json: { error: error instanceof Error ? error.message : String(error) }, pairedItem: { item: i } });
		}
	}
	return [output];
}
