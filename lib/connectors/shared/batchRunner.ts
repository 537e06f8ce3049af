/**
 * Runs write plans in $batch requests. Writes are cut into groups of `batchSize`; each group runs in rounds,
 * one $batch per round, until every plan has a result (F&O upserts can take a read round or a second write
 * round). Results come back in input order, one per write, and a failure stays with its own write.
 *
 * Atomic groups: all write requests of a group go in one changeset. Reads are sent first in rounds of their own,
 * so a group's writes are never split across two changesets; if any write of the group fails before the
 * changeset is sent, none of the group is written.
 */
import {
	decodeBatchResponse,
	encodeBatch,
	ODataError,
	type BatchItem,
	type BatchRequest,
	type BatchResult,
	type HttpResponse,
} from '../../odata';
import type { BatchWriteResult } from '../types';
import type { ConnectorContext } from './context';
import { asODataError, errorForRecord } from './errors';
import { isStep, type StepReply, type WritePlan, type WriteStep } from './writePlan';

interface Pending {
	index: number;
	step: WriteStep;
}

const recordContext = (context: ConnectorContext, request: BatchRequest) => ({ system: context.system, entity: request.entity, key: request.key });

export async function runBatch(context: ConnectorContext, plans: readonly WritePlan[], batchSize: number, atomic: boolean): Promise<BatchWriteResult[]> {
	const results: BatchWriteResult[] = new Array(plans.length);
	for (let start = 0; start < plans.length; start += batchSize) {
		await runGroup(context, plans, start, Math.min(start + batchSize, plans.length), atomic, results);
	}
	return results;
}

async function runGroup(
	context: ConnectorContext,
	plans: readonly WritePlan[],
	start: number,
	end: number,
	atomic: boolean,
	results: BatchWriteResult[],
): Promise<void> {
	let pending: Pending[] = [];
	for (let index = start; index < end; index++) {
		const plan = plans[index];
		if (isStep(plan)) pending.push({ index, step: plan });
		else results[index] = { ok: false, error: plan.error };
	}
	let written = false;
	while (pending.length > 0) {
		const reads = pending.filter((entry) => entry.step.request.method === 'GET');
		if (atomic && !written && reads.length === 0) {
			const failed = firstFailure(results, start, end);
			if (failed) {
				for (const entry of pending) results[entry.index] = { ok: false, error: notWritten(context, entry.step.request, failed) };
				return;
			}
		}
		// Atomic: reads before writes, so the group's writes meet in a single changeset.
		const round = atomic && !written && reads.length > 0 ? reads : pending;
		const writes = round.filter((entry) => entry.step.request.method !== 'GET');
		const items: BatchItem[] =
			atomic && writes.length > 0
				? [...round.filter((entry) => entry.step.request.method === 'GET').map((entry) => entry.step.request), { changeset: writes.map((entry) => entry.step.request) }]
				: round.map((entry) => entry.step.request);
		const ordered = atomic && writes.length > 0 ? [...round.filter((entry) => entry.step.request.method === 'GET'), ...writes] : round;
		if (writes.length > 0) written = true;
		const replies = await sendRound(context, items, ordered, atomic && writes.length > 0);
		const next: Pending[] = [];
		ordered.forEach((entry, position) => {
			const outcome = replies[position].settled ?? entry.step.handle(replies[position].reply);
			if ('result' in outcome) results[entry.index] = { ok: true, result: outcome.result };
			else if ('error' in outcome) results[entry.index] = { ok: false, error: outcome.error };
			else next.push({ index: entry.index, step: outcome.next });
		});
		pending = [...pending.filter((entry) => !round.includes(entry)), ...next].sort((a, b) => a.index - b.index);
	}
}

interface RoundReply {
	reply: StepReply;
	/** Decided by the batch itself (rolled back, not executed, the whole $batch failed): the plan is not asked. */
	settled?: { error: ODataError };
}

async function sendRound(context: ConnectorContext, items: BatchItem[], ordered: Pending[], hasChangeset: boolean): Promise<RoundReply[]> {
	const encoded = encodeBatch(items, {
		serviceRoot: context.serviceRoot,
		urlStyle: 'relative',
		continueOnError: context.profile.batch.continueOnError && !hasChangeset,
		headers: context.profile.headers,
	});
	let response: HttpResponse | undefined;
	let decoded: BatchResult[] | undefined;
	let failure: unknown;
	try {
		response = await context.send(encoded.request, {});
		decoded = decodeBatchResponse(response, encoded, { system: context.system, now: context.retry.now });
	} catch (error) {
		failure = error;
	}
	if (decoded === undefined) {
		const error = asODataError(failure, { system: context.system });
		return ordered.map((entry) => ({
			reply: { status: 0, headers: {} },
			settled: { error: errorForRecord(error, recordContext(context, entry.step.request), `the $batch request failed as a whole: ${error.message}`) },
		}));
	}
	return decoded.map((result, position) => toRoundReply(context, result, ordered[position].step.request));
}

function toRoundReply(context: ConnectorContext, result: BatchResult, request: BatchRequest): RoundReply {
	if (result.outcome === 'not-executed') {
		const error = new ODataError({ ...recordContext(context, request), transient: true, detail: result.reason });
		return { reply: { status: 0, headers: {} }, settled: { error } };
	}
	const reply: StepReply = { status: result.status, headers: result.headers, json: result.json, ...(result.error ? { error: result.error } : {}) };
	if (!result.changesetFailure) return { reply };
	const culprit = result.changesetFailure.failedContentId;
	if (culprit === result.contentId && result.error) return { reply, settled: { error: result.error } };
	const cause = result.error ?? new ODataError({ ...recordContext(context, request), status: result.status, transient: false });
	return {
		reply,
		settled: { error: errorForRecord(cause, recordContext(context, request), `rolled back: another write in the same changeset failed (${cause.message})`) },
	};
}

function firstFailure(results: readonly BatchWriteResult[], start: number, end: number): ODataError | undefined {
	for (let index = start; index < end; index++) {
		const result = results[index];
		if (result && !result.ok) return result.error;
	}
	return undefined;
}

function notWritten(context: ConnectorContext, request: BatchRequest, culprit: ODataError): ODataError {
	return errorForRecord(culprit, recordContext(context, request), `not written: the batch is atomic and another write failed (${culprit.message})`);
}
