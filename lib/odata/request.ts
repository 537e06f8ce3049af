/**
 * One request with retry, answering with the response or an ODataError: the building block of paging and of the
 * connectors' single-record calls.
 */
import { errorFromResponse, type ErrorContext } from './errors';
import { withRetry, type RetryPolicy } from './retry';
import { isSuccessStatus, type HttpRequest, type HttpResponse, type Transport } from './transport';

export interface SendOptions {
	/** Omit to send once. */
	retry?: RetryPolicy;
	/** Non-2xx statuses the caller handles itself, e.g. 404 on a read by key or 304 on a conditional GET. */
	acceptStatuses?: readonly number[];
}

export async function sendRequest(
	transport: Transport,
	request: HttpRequest,
	context: ErrorContext,
	options: SendOptions = {},
): Promise<HttpResponse> {
	const accepted = options.acceptStatuses ?? [];
	const once = async (): Promise<HttpResponse> => {
		const response = await transport(request);
		if (isSuccessStatus(response.status) || accepted.includes(response.status)) return response;
		throw errorFromResponse(response, context, { now: options.retry?.now });
	};
	return options.retry ? withRetry(once, options.retry) : once();
}
