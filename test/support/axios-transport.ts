/**
 * The Transport used by tests, emulator demos and benches (n8n nodes build theirs on httpRequestWithAuthentication).
 * axios is a devDependency only: lib/ must not depend on it at runtime.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosHeaders, isAxiosError } from 'axios';
import { NetworkError, type HttpResponse, type Transport } from '../../lib/odata';

export interface AxiosTransportOptions {
	/** Per-request timeout; 0 means none. */
	timeoutMs?: number;
	maxSockets?: number;
	/** Headers added to every request unless the request sets them (e.g. a fixed Authorization for emulators). */
	defaultHeaders?: Readonly<Record<string, string>>;
}

export type AxiosTransport = Transport & {
	/** Destroys the keep-alive sockets, so test runners and benches can exit. */
	close(): void;
};

export function createAxiosTransport(options: AxiosTransportOptions = {}): AxiosTransport {
	const httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
	const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
	const client = axios.create({
		httpAgent,
		httpsAgent,
		timeout: options.timeoutMs ?? 0,
		// Every status is a response, not an exception: callers decide what an error is.
		validateStatus: () => true,
		responseType: 'text',
		// Bodies pass through untouched: axios would otherwise trim strings (breaking multipart) and parse JSON.
		transformRequest: [(data: unknown) => data],
		transformResponse: [(data: unknown) => data],
		// A redirect to another host must not silently receive our Authorization header; OData services do not redirect.
		maxRedirects: 0,
		maxContentLength: Infinity,
		maxBodyLength: Infinity,
		decompress: true,
	});

	const transport = async (request: Parameters<Transport>[0]): Promise<HttpResponse> => {
		let response;
		let failure: unknown;
		try {
			response = await client.request<string>({
				method: request.method,
				url: request.url,
				headers: { ...(options.defaultHeaders ?? {}), ...request.headers },
				data: request.body,
			});
		} catch (error) {
			failure = error;
		}
		if (response === undefined) throw toNetworkError(failure);
		return {
			status: response.status,
			headers: lowerCaseHeaders(response.headers),
			body: typeof response.data === 'string' ? response.data : response.data === undefined ? '' : String(response.data),
		};
	};

	return Object.assign(transport, {
		close() {
			httpAgent.destroy();
			httpsAgent.destroy();
		},
	});
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const plain = headers instanceof AxiosHeaders ? headers.toJSON() : (headers as Record<string, unknown>);
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(plain ?? {})) {
		if (value === undefined || value === null) continue;
		out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return out;
}

/** axios errors carry the request config, Authorization header included: keep only the code and a safe message. */
function toNetworkError(error: unknown): NetworkError {
	if (isAxiosError(error)) {
		const code = error.code === 'ECONNABORTED' ? 'ETIMEDOUT' : (error.code ?? 'ECONNRESET');
		const target = error.config?.url ? ` (${error.config.method?.toUpperCase() ?? 'GET'} ${new URL(error.config.url).origin})` : '';
		return new NetworkError(code, `${code}: ${error.message.replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')}${target}`);
	}
	const code = (error as { code?: unknown })?.code;
	return new NetworkError(typeof code === 'string' ? code : 'EUNKNOWN', error instanceof Error ? error.message : String(error));
}
