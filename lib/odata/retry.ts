/**
 * Retries with exponential backoff, jitter and Retry-After. Retry decisions are made on thrown errors only: an
 * ODataError (see errors.ts; request.ts turns non-2xx responses into one) or a network failure.
 *
 * Plain 500s: F&O answers a business-rule failure with 500 + AxODataWriteException, which is never retried. A 500
 * without that shape may be a transient AOS or SQL hiccup (deadlock, failover, metadata warm-up) or a deterministic
 * bug; we retry it, but only `maxPlain500Retries` times (default 1) so a deterministic failure costs one extra
 * request, not a full backoff cycle.
 *
 * Network errors are retried by default, which can repeat a request the server already executed. Upserts by key
 * (PATCH) are idempotent; a caller sending a non-idempotent POST can set `retryNetworkErrors: false`.
 */
import { ODataError } from './errors';

export interface RetryPolicy {
	/** Total attempts, the first one included. */
	maxAttempts?: number;
	baseDelayMs?: number;
	maxDelayMs?: number;
	/** Budget for all attempts and waits together; a retry whose wait would exceed it is not made. */
	maxElapsedMs?: number;
	/** Retry-After is honoured up to this; a server asking for longer gets this. */
	maxRetryAfterMs?: number;
	maxPlain500Retries?: number;
	retryNetworkErrors?: boolean;
	sleep?: (ms: number) => Promise<void>;
	now?: () => number;
	/** In [0, 1); injectable so tests get fixed delays. */
	random?: () => number;
	onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
	/** The attempt that failed, 1-based. */
	attempt: number;
	delayMs: number;
	reason: string;
	status?: number;
	error: unknown;
}

export const DEFAULT_RETRY_POLICY = {
	maxAttempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	maxElapsedMs: 120_000,
	maxRetryAfterMs: 60_000,
	maxPlain500Retries: 1,
	retryNetworkErrors: true,
} as const;

const NETWORK_ERROR_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
]);

/** The network failure code of an error (looking through `cause`, where fetch and wrappers put it), if any. */
export function networkErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
		if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
		if (typeof message === 'string' && /socket hang up/i.test(message)) return 'socket hang up';
		current = cause;
	}
	return undefined;
}

interface Classification {
	retryable: boolean;
	reason: string;
	status?: number;
	retryAfterMs?: number;
	plain500: boolean;
}

function classify(error: unknown, retryNetworkErrors: boolean): Classification {
	if (error instanceof ODataError) {
		const reason = error.status === undefined ? error.message : `HTTP ${error.status}`;
		return {
			retryable: error.transient && error.status !== undefined,
			reason,
			status: error.status,
			retryAfterMs: error.retryAfterMs,
			plain500: error.status === 500,
		};
	}
	const code = networkErrorCode(error);
	if (code !== undefined) return { retryable: retryNetworkErrors, reason: `network error ${code}`, plain500: false };
	return { retryable: false, reason: 'not retryable', plain500: false };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
	const settings = { ...DEFAULT_RETRY_POLICY, ...withoutUndefined(policy) };
	const sleep = policy.sleep ?? realSleep;
	const now = policy.now ?? Date.now;
	const random = policy.random ?? Math.random;
	const started = now();
	let plain500Retries = 0;
	for (let attempt = 1; ; attempt++) {
		// Outcome captured rather than handled inside `catch`, so that the original error is rethrown untouched.
		let outcome: { ok: true; value: T } | { ok: false; error: unknown };
		try {
			outcome = { ok: true, value: await fn(attempt) };
		} catch (error) {
			outcome = { ok: false, error };
		}
		if (outcome.ok) return outcome.value;
		const { error } = outcome;
		const failure = classify(error, settings.retryNetworkErrors);
		if (!failure.retryable || attempt >= settings.maxAttempts) throw error;
		if (failure.plain500) {
			if (plain500Retries >= settings.maxPlain500Retries) throw error;
			plain500Retries += 1;
		}
		let delayMs: number;
		let reason = failure.reason;
		if (failure.retryAfterMs !== undefined) {
			delayMs = Math.min(failure.retryAfterMs, settings.maxRetryAfterMs);
			reason += ` (Retry-After ${failure.retryAfterMs} ms${delayMs < failure.retryAfterMs ? `, capped to ${delayMs} ms` : ''})`;
		} else {
			// "Equal jitter": at least half the exponential step, so retries never collapse to zero delay.
			const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
			delayMs = Math.round(step / 2 + random() * (step / 2));
		}
		if (now() - started + delayMs > settings.maxElapsedMs) throw error;
		policy.onRetry?.({ attempt, delayMs, reason, status: failure.status, error });
		await sleep(delayMs);
	}
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
