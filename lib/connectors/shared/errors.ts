/** Every failure leaves a connector as an ODataError, so callers journal and show one error type. */
import { NetworkError, ODataError, networkErrorCode, type SystemName } from '../../odata';

export interface FailureContext {
	system: SystemName;
	entity?: string;
	key?: Readonly<Record<string, unknown>>;
}

/** A failure found by the connector itself (bad key, unknown entity): never worth retrying. */
export function usageError(context: FailureContext, detail: string, cause?: unknown): ODataError {
	return new ODataError({ ...withoutEmptyKey(context), transient: false, detail }, cause === undefined ? undefined : { cause });
}

/** Network errors, programming errors in a transport, anything that is not an ODataError yet. */
export function asODataError(error: unknown, context: FailureContext): ODataError {
	if (error instanceof ODataError) return error;
	const code = error instanceof NetworkError ? error.code : networkErrorCode(error);
	const message = error instanceof Error ? error.message : String(error);
	return new ODataError(
		{ ...withoutEmptyKey(context), transient: code !== undefined, detail: code !== undefined ? `network error: ${message}` : message },
		{ cause: error },
	);
}

/** The same failure, told about another record (a rolled-back changeset, a batch that failed as a whole). */
export function errorForRecord(error: ODataError, context: FailureContext, detail: string): ODataError {
	return new ODataError(
		{
			...withoutEmptyKey(context),
			status: error.status,
			serverCode: error.serverCode,
			serverMessage: error.serverMessage,
			innerMessage: error.innerMessage,
			innerType: error.innerType,
			retryAfterMs: error.retryAfterMs,
			transient: error.transient,
			detail,
		},
		{ cause: error },
	);
}

function withoutEmptyKey(context: FailureContext): FailureContext {
	return context.key && Object.keys(context.key).length > 0 ? context : { system: context.system, entity: context.entity };
}
