/**
 * A write as a small state machine of HTTP steps. The same plan runs alone (runSingle) or with thousands of
 * others in $batch rounds (batchRunner), so the decisions of a write (F&O: PATCH, then POST on 404, then PATCH
 * again on a lost create race) are written once and hold in both paths.
 */
import type { BatchRequest, ODataError } from '../../odata';
import type { WriteResult } from '../types';
import type { ConnectorContext } from './context';

export interface StepReply {
	status: number;
	headers: Record<string, string>;
	json?: unknown;
	/** Set for any non-2xx answer and for failures without an answer (status 0). */
	error?: ODataError;
}

export type StepOutcome = { result: WriteResult } | { error: ODataError } | { next: WriteStep };

export interface WriteStep {
	/** URL relative to the service root; `entity` and `key` name the record in errors. */
	request: BatchRequest;
	handle(reply: StepReply): StepOutcome;
}

/** The plan of a write that failed before any request (an invalid key, an unknown lookup). */
export type WritePlan = WriteStep | { error: ODataError };

export const isStep = (plan: WritePlan): plan is WriteStep => (plan as WriteStep).request !== undefined;

export async function runSingle(context: ConnectorContext, plan: WritePlan): Promise<WriteResult> {
	if (!isStep(plan)) throw plan.error;
	let step = plan;
	for (;;) {
		const outcome = step.handle(await context.sendStep(step.request));
		if ('result' in outcome) return outcome.result;
		if ('error' in outcome) throw outcome.error;
		step = outcome.next;
	}
}

export function etagOf(reply: StepReply): string | undefined {
	const fromBody = reply.json && typeof reply.json === 'object' ? (reply.json as Record<string, unknown>)['@odata.etag'] : undefined;
	return typeof fromBody === 'string' ? fromBody : reply.headers.etag;
}

export function recordOf(reply: StepReply): Record<string, unknown> | undefined {
	return reply.json && typeof reply.json === 'object' && !Array.isArray(reply.json) ? (reply.json as Record<string, unknown>) : undefined;
}
