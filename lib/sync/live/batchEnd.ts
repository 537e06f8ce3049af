/**
 * After the execution of a batch has ended: any change still in flight under the batch's lease got no outcome (the
 * workflow failed before the upsert, a node in between dropped the item, or the execution was cancelled). It fails
 * with that reason and is retried with backoff, so it is neither lost nor stuck until the lease runs out.
 */
import type { ClaimedBatch, StateStore } from '../../state';

export async function failUnsettled(store: Pick<StateStore, 'complete'>, batch: ClaimedBatch, reason: string): Promise<number[]> {
	const result = await store.complete(
		batch.lease,
		batch.changes.map((change) => ({
			id: change.id,
			status: 'failed' as const,
			error: { class: 'unknown' as const, message: `The execution ended without recording an outcome for this change: ${reason}` },
			retry: true,
		})),
	);
	return result.completed;
}
