/**
 * When a failed change is tried again. Throttling and transient faults heal by waiting; a missing parent record
 * usually arrives on its own (its change is in the journal too); an expired secret gets fixed by a person. Validation
 * and conflict failures fail the same way every time, so they go straight to `failed` for a person to look at.
 */
import type { ErrorClass, JournalError } from './types';

export interface BackoffPolicy {
	/** Delay after the first failed attempt. */
	baseMs: number;
	factor: number;
	maxMs: number;
	/** Claims after which a retryable failure is given up as `failed`. */
	maxAttempts: number;
	/** ±fraction of random spread, so that a throttled burst does not come back as one burst. */
	jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = {
	baseMs: 2_000,
	factor: 3,
	maxMs: 30 * 60_000,
	maxAttempts: 10,
	jitter: 0.2,
};

export const RETRYABLE_CLASSES: ReadonlySet<ErrorClass> = new Set<ErrorClass>(['throttling', 'transient', 'missing-reference', 'auth']);

export function isRetryable(error: JournalError, override?: boolean): boolean {
	return override ?? RETRYABLE_CLASSES.has(error.class);
}

/** Delay before attempt `attempts + 1`, after `attempts` claims of which the last failed. */
export function backoffDelay(attempts: number, error: JournalError, policy: BackoffPolicy, random: () => number): number {
	const exponent = Math.max(0, attempts - 1);
	const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** exponent);
	const spread = 1 + policy.jitter * (2 * random() - 1);
	return Math.max(Math.round(raw * spread), error.retryAfterMs ?? 0);
}
