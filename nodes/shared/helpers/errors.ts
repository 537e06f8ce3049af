import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import { ODataError } from '../../../lib/odata';

/**
 * A failure the connector found itself, before sending anything: an unknown entity, a key that is not a key.
 * Those are the user's parameters, not the server's answer.
 */
export function isUsageError(error: unknown): error is ODataError {
	return error instanceof ODataError && error.status === undefined && !error.transient;
}

/** What a failed item carries with continue on fail: the server's error, with entity, key, status and message. */
export function errorJson(error: unknown): JsonObject {
	if (error instanceof ODataError) return error.toJSON() as JsonObject;
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		const context = (error.context ?? {}) as JsonObject;
		return {
			message: error.message,
			...(error.description ? { description: error.description } : {}),
			...(error instanceof NodeApiError && error.httpCode ? { status: Number(error.httpCode) } : {}),
			...(context.odata && typeof context.odata === 'object' ? (context.odata as JsonObject) : {}),
		};
	}
	return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * Remote failures become NodeApiError naming entity, key and the server's message; the connector's own
 * usage errors become NodeOperationError. The ODataError's fields travel in `context.odata` for error workflows.
 */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	if (isUsageError(error)) {
		const failure = new NodeOperationError(node, error.message, { itemIndex });
		failure.context.odata = error.toJSON() as JsonObject;
		return failure;
	}
	if (error instanceof ODataError) {
		const failure = new NodeApiError(node, error.toJSON() as JsonObject, {
			itemIndex,
			message: error.message,
			description: describe(error),
			...(error.status !== undefined ? { httpCode: String(error.status) } : {}),
		});
		failure.context.odata = error.toJSON() as JsonObject;
		return failure;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}

function describe(error: ODataError): string | undefined {
	const parts = [error.innerMessage, error.serverMessage].filter((text, index, all): text is string => !!text && all.indexOf(text) === index);
	if (error.retryAfterMs !== undefined) parts.push(`The service asked to retry after ${Math.ceil(error.retryAfterMs / 1000)} s.`);
	return parts.length > 0 ? parts.join(' — ') : undefined;
}
