import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { initialSyncCheckpointName, readCheckpoint } from '../../../../lib/sync';
import { iso, output } from '../common';
import { runNameParameter } from './runName';

export const description: INodeProperties[] = [runNameParameter(['getProgress'])];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const run = String(this.getNodeParameter('runName', itemIndex, 'default')).trim() || 'default';
	const checkpoint = await readCheckpoint(store, initialSyncCheckpointName(run));
	if (!checkpoint) return output(this, { run, state: 'never-run' }, itemIndex);
	return output(
		this,
		{
			run,
			state: checkpoint.finishedAt !== undefined ? 'finished' : 'unfinished',
			startedAt: iso(checkpoint.startedAt),
			finishedAt: iso(checkpoint.finishedAt),
			maps: checkpoint.maps.map((entry) => ({ ...entry })),
			finished: checkpoint.done.map((report) => ({ ...report, samples: report.samples.map((sample) => ({ ...sample })) })),
			current: checkpoint.current ? { map: checkpoint.current.map, after: checkpoint.current.after, ...checkpoint.current.counts } : null,
		},
		itemIndex,
	);
}
