/**
 * One connector's view of its environment: URLs, default headers and the retry policy, and the one place that
 * sends a request. Every request of both connectors, $batch and $metadata included, goes through `send` and
 * therefore through lib/odata's retry.
 */
import { readPages, sendRequest, type BatchRequest, type Page, type HttpRequest, type HttpResponse, type RetryPolicy, type SystemName, type Transport } from '../../odata';
import type { ConnectorOptions } from '../types';
import { asODataError } from './errors';
import type { SystemProfile } from './profile';
import type { StepReply } from './writePlan';

export class ConnectorContext {
	readonly system: SystemName;
	readonly environmentUrl: string;
	readonly serviceRoot: string;
	readonly retry: RetryPolicy;
	private readonly transport: Transport;

	constructor(
		readonly profile: SystemProfile,
		options: ConnectorOptions,
	) {
		this.system = profile.system;
		this.environmentUrl = options.environmentUrl.replace(/\/+$/, '');
		this.serviceRoot = `${this.environmentUrl}${profile.servicePath}`;
		this.transport = options.transport;
		this.retry = { ...(options.retry ?? {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) };
	}

	absolute(relativeUrl: string): string {
		return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(relativeUrl) ? relativeUrl : `${this.serviceRoot}${relativeUrl}`;
	}

	/** Request headers: the profile's, then the request's own. */
	headers(extra: Readonly<Record<string, string>> = {}, hasBody = false): Record<string, string> {
		return { ...this.profile.headers, ...(hasBody ? { 'Content-Type': 'application/json' } : {}), ...extra };
	}

	/** Throws an ODataError (never anything else) for non-2xx statuses not in `acceptStatuses` and for network failures. */
	async send(request: HttpRequest, context: { entity?: string; key?: Readonly<Record<string, unknown>> }, acceptStatuses: readonly number[] = []): Promise<HttpResponse> {
		// A retried POST after a lost response could create a record twice; PATCH, PUT, DELETE and GET are idempotent.
		const retry = request.method === 'POST' && !request.url.endsWith('$batch') ? { ...this.retry, retryNetworkErrors: false } : this.retry;
		let response: HttpResponse | undefined;
		let failure: unknown;
		try {
			response = await sendRequest(this.transport, request, { system: this.system, ...context }, { retry, acceptStatuses });
		} catch (error) {
			failure = error;
		}
		if (response === undefined) throw asODataError(failure, { system: this.system, entity: context.entity, key: context.key });
		return response;
	}

	/** Server-driven pages through lib/odata's readPages; a failure surfaces as an ODataError. */
	async *pages(url: string, entity: string, headers: Record<string, string>, maxPageSize?: number): AsyncGenerator<Page, void, undefined> {
		const iterator = readPages(this.transport, url, {
			context: { system: this.system, entity },
			headers,
			retry: this.retry,
			...(maxPageSize !== undefined ? { maxPageSize } : {}),
		});
		try {
			for (;;) {
				let next: IteratorResult<Page, void> | undefined;
				let failure: unknown;
				try {
					next = await iterator.next();
				} catch (error) {
					failure = error;
				}
				if (next === undefined) throw asODataError(failure, { system: this.system, entity });
				if (next.done) return;
				yield next.value;
			}
		} finally {
			// A caller that stops early (a limit, a break) must not leave the reader suspended mid-page.
			await iterator.return();
		}
	}

	/** A write step's request, sent alone; every outcome, failures included, comes back as a reply. */
	async sendStep(request: BatchRequest): Promise<StepReply> {
		const hasBody = request.body !== undefined;
		const httpRequest: HttpRequest = {
			method: request.method,
			url: this.absolute(request.url),
			headers: this.headers(request.headers, hasBody),
			...(hasBody ? { body: JSON.stringify(request.body) } : {}),
		};
		let response: HttpResponse | undefined;
		let failure: unknown;
		try {
			response = await this.send(httpRequest, { entity: request.entity, key: request.key });
		} catch (error) {
			failure = error;
		}
		if (response === undefined) {
			const error = asODataError(failure, { system: this.system, entity: request.entity, key: request.key });
			return { status: error.status ?? 0, headers: {}, error };
		}
		return { status: response.status, headers: response.headers, json: parseJson(response.body) };
	}
}

export function parseJson(body: string): unknown {
	if (body.trim() === '') return undefined;
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return undefined;
	}
}
