import type {
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	ITriggerFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { createConnector, type Connector } from '../../../lib/connectors';
import { NetworkError, type HttpResponse, type Transport } from '../../../lib/odata';
import type { NodeProfile } from '../helpers/profile';

const REQUEST_TIMEOUT_MS = 5 * 60_000;

type HttpContext = IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | ITriggerFunctions | IWebhookFunctions;

/**
 * lib/'s Transport on top of n8n's `httpRequestWithAuthentication`, so that n8n's proxy settings, credential
 * store and OAuth2 token handling apply. lib/ wants every status as a response and the body as raw text
 * (a `$batch` answer is multipart and must reach the codec undecoded).
 */
export function n8nTransport(context: HttpContext, credentialName: string): Transport {
	const request = context.helpers.httpRequestWithAuthentication as (
		this: HttpContext,
		credentialsType: string,
		options: IHttpRequestOptions,
	) => Promise<IN8nHttpFullResponse>;
	return async (outgoing) => {
		const options: IHttpRequestOptions = {
			method: outgoing.method,
			url: outgoing.url,
			headers: { ...outgoing.headers },
			body: outgoing.body,
			returnFullResponse: true,
			// Every status is lib/'s to judge, except 401: n8n renews a client-credentials token only when the
			// request fails with it, and then sends the request again with the new token.
			ignoreHttpStatusErrors: { ignore: true, except: [401] },
			json: false,
			// Bytes, decoded here as UTF-8: no JSON parsing and no charset guessing on the way.
			encoding: 'arraybuffer',
			// A redirect to another host must not receive the bearer token; OData services do not redirect.
			disableFollowRedirect: true,
			// n8n sets no timeout; a request that never answers would stall a live-sync loop for good. Dataverse and
			// F&O end their own requests well before this.
			timeout: REQUEST_TIMEOUT_MS,
		};
		let response: IN8nHttpFullResponse;
		try {
			response = await request.call(context, credentialName, options);
		} catch (error) {
			return fromFailure(error);
		}
		return { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: bodyText(response.body) };
	};
}

/** A 401 that survived n8n's token renewal is an answer (lib/ reports it); anything without a status is a network error. */
function fromFailure(error: unknown): HttpResponse {
	const failure = error as { httpCode?: string | null; cause?: unknown; code?: string; message?: string };
	const cause = (failure.cause ?? {}) as { response?: { status?: number; headers?: unknown; data?: unknown }; code?: string; message?: string };
	const status = cause.response?.status ?? (failure.httpCode ? Number(failure.httpCode) : undefined);
	if (status !== undefined && Number.isInteger(status) && status > 0) {
		return { status, headers: lowerCaseHeaders(cause.response?.headers), body: bodyText(cause.response?.data) };
	}
	const code = cause.code ?? failure.code ?? 'ECONNRESET';
	// n8n's error messages name the URL but not the headers, so the bearer token stays out of logs.
	throw new NetworkError(code, `${code}: ${cause.message ?? failure.message ?? 'no response'}`);
}

function bodyText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
	if (typeof body === 'string') return body;
	return JSON.stringify(body);
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return out;
	for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
		if (value === undefined || value === null) continue;
		out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return out;
}

export async function environmentUrl(context: HttpContext, credentialName: string): Promise<string> {
	const credentials = await context.getCredentials<{ environmentUrl?: string }>(credentialName);
	return String(credentials.environmentUrl ?? '').replace(/\/+$/, '');
}

/** A connector for the node's credential. Metadata is cached by lib/ per environment, so this is cheap per run. */
export async function getConnector(context: HttpContext, profile: NodeProfile): Promise<Connector> {
	return createConnector(profile.system, {
		environmentUrl: await environmentUrl(context, profile.credentialName),
		transport: n8nTransport(context, profile.credentialName),
		onRetry: ({ attempt, delayMs, reason, status }) =>
			context.logger.debug(`${profile.label}: retrying after a transient failure`, { attempt, delayMs, reason, status }),
	});
}
