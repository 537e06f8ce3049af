import { errorFromResponse, NetworkError, networkErrorCode, ODataError, withRetry, type RetryEvent, type RetryPolicy } from '../../../lib/odata';

const FO_WRITE_FAILURE = JSON.stringify({
	error: {
		code: '',
		message: 'An error has occurred.',
		innererror: { message: "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: ...", type: 'x.AxODataWriteException' },
	},
});

function httpError(status: number, headers: Record<string, string> = {}, body = ''): ODataError {
	return errorFromResponse({ status, headers, body }, { system: 'dataverse', entity: 'accounts' });
}

/** A policy whose clock only moves when the retry loop sleeps, so waits are instant and measurable. */
function fakeClock(policy: RetryPolicy = {}) {
	let time = 1_000_000;
	const sleeps: number[] = [];
	const events: RetryEvent[] = [];
	const full: RetryPolicy = {
		random: () => 0.5,
		...policy,
		now: () => time,
		sleep: async (ms) => {
			sleeps.push(ms);
			time += ms;
		},
		onRetry: (event) => events.push(event),
	};
	return { policy: full, sleeps, events };
}

/** fn that throws the given failures in order, then resolves 'ok'. */
function failing(...failures: unknown[]) {
	const attempts: number[] = [];
	const fn = async (attempt: number) => {
		attempts.push(attempt);
		const failure = failures.shift();
		if (failure !== undefined) throw failure;
		return 'ok';
	};
	return { fn, attempts };
}

describe('withRetry', () => {
	it('returns the first success without waiting', async () => {
		const { policy, sleeps } = fakeClock();
		await expect(withRetry(async () => 42, policy)).resolves.toBe(42);
		expect(sleeps).toEqual([]);
	});

	it('retries 429, 502, 503 and 504 with exponential backoff and jitter', async () => {
		const { policy, sleeps, events } = fakeClock({ baseDelayMs: 100, maxAttempts: 5 });
		const { fn, attempts } = failing(httpError(429), httpError(502), httpError(503), httpError(504));
		await expect(withRetry(fn, policy)).resolves.toBe('ok');
		expect(attempts).toEqual([1, 2, 3, 4, 5]);
		// Equal jitter with random() = 0.5: 3/4 of each step 100, 200, 400, 800.
		expect(sleeps).toEqual([75, 150, 300, 600]);
		expect(events.map((event) => [event.attempt, event.status, event.reason])).toEqual([
			[1, 429, 'HTTP 429'],
			[2, 502, 'HTTP 502'],
			[3, 503, 'HTTP 503'],
			[4, 504, 'HTTP 504'],
		]);
	});

	it('keeps jittered delays within [step/2, step] and under maxDelayMs', async () => {
		for (const random of [0, 0.999]) {
			const { policy, sleeps } = fakeClock({ baseDelayMs: 1000, maxDelayMs: 3000, maxAttempts: 5, random: () => random });
			const { fn } = failing(httpError(503), httpError(503), httpError(503), httpError(503));
			await withRetry(fn, policy);
			const steps = [1000, 2000, 3000, 3000];
			sleeps.forEach((ms, i) => {
				expect(ms).toBeGreaterThanOrEqual(steps[i] / 2);
				expect(ms).toBeLessThanOrEqual(steps[i]);
			});
		}
	});

	it('honours Retry-After in seconds', async () => {
		const { policy, sleeps, events } = fakeClock();
		const { fn } = failing(httpError(429, { 'retry-after': '3' }));
		await withRetry(fn, policy);
		expect(sleeps).toEqual([3000]);
		expect(events[0].reason).toBe('HTTP 429 (Retry-After 3000 ms)');
	});

	it('honours Retry-After as an HTTP-date', async () => {
		const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
		const error = errorFromResponse(
			{ status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:12 GMT' }, body: '' },
			{ system: 'fo' },
			{ now: () => now },
		);
		const { policy, sleeps } = fakeClock();
		await withRetry(failing(error).fn, policy);
		expect(sleeps).toEqual([12_000]);
	});

	it('caps Retry-After at maxRetryAfterMs (default 60 s)', async () => {
		const { policy, sleeps, events } = fakeClock();
		await withRetry(failing(httpError(429, { 'retry-after': '3600' })).fn, policy);
		expect(sleeps).toEqual([60_000]);
		expect(events[0].reason).toBe('HTTP 429 (Retry-After 3600000 ms, capped to 60000 ms)');
		const custom = fakeClock({ maxRetryAfterMs: 5000 });
		await withRetry(failing(httpError(429, { 'retry-after': '30' })).fn, custom.policy);
		expect(custom.sleeps).toEqual([5000]);
	});

	it('does not retry other 4xx', async () => {
		for (const status of [400, 401, 403, 404, 412]) {
			const { policy, sleeps } = fakeClock();
			const error = httpError(status);
			const { fn, attempts } = failing(error);
			await expect(withRetry(fn, policy)).rejects.toBe(error);
			expect(attempts).toEqual([1]);
			expect(sleeps).toEqual([]);
		}
	});

	it('does not retry an F&O write failure (500 + AxODataWriteException)', async () => {
		const { policy } = fakeClock();
		const error = errorFromResponse({ status: 500, headers: {}, body: FO_WRITE_FAILURE }, { system: 'fo', entity: 'CustomersV3' });
		const { fn, attempts } = failing(error);
		await expect(withRetry(fn, policy)).rejects.toBe(error);
		expect(attempts).toEqual([1]);
	});

	it('retries a plain 500 only maxPlain500Retries times (default 1)', async () => {
		const defaults = fakeClock({ maxAttempts: 10 });
		const run = failing(httpError(500), httpError(500), httpError(500));
		await expect(withRetry(run.fn, defaults.policy)).rejects.toMatchObject({ status: 500 });
		expect(run.attempts).toEqual([1, 2]);
		const three = fakeClock({ maxAttempts: 10, maxPlain500Retries: 3 });
		const again = failing(httpError(500), httpError(500), httpError(500));
		await expect(withRetry(again.fn, three.policy)).resolves.toBe('ok');
		expect(again.attempts).toEqual([1, 2, 3, 4]);
		const none = fakeClock({ maxPlain500Retries: 0 });
		const never = failing(httpError(500));
		await expect(withRetry(never.fn, none.policy)).rejects.toMatchObject({ status: 500 });
		expect(never.attempts).toEqual([1]);
	});

	it('bounds attempts and rethrows the last error unchanged', async () => {
		const { policy, events } = fakeClock({ maxAttempts: 3 });
		const last = httpError(503);
		const { fn, attempts } = failing(httpError(503), httpError(503), last, httpError(503));
		await expect(withRetry(fn, policy)).rejects.toBe(last);
		expect(attempts).toEqual([1, 2, 3]);
		expect(events).toHaveLength(2);
	});

	it('stops when the next wait would exceed maxElapsedMs', async () => {
		const { policy, sleeps } = fakeClock({ maxElapsedMs: 10_000, maxAttempts: 100 });
		const { fn, attempts } = failing(
			httpError(429, { 'retry-after': '4' }),
			httpError(429, { 'retry-after': '4' }),
			httpError(429, { 'retry-after': '4' }),
		);
		await expect(withRetry(fn, policy)).rejects.toMatchObject({ status: 429 });
		expect(sleeps).toEqual([4000, 4000]);
		expect(attempts).toEqual([1, 2, 3]);
	});

	it('retries network errors by code, through causes, and "socket hang up"', async () => {
		const { policy, events } = fakeClock();
		const wrapped = new Error('fetch failed', { cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }) });
		const { fn, attempts } = failing(
			new NetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
			Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }),
			new Error('socket hang up'),
			wrapped,
		);
		await expect(withRetry(fn, policy)).resolves.toBe('ok');
		expect(attempts).toEqual([1, 2, 3, 4, 5]);
		expect(events.map((event) => event.reason)).toEqual([
			'network error ECONNREFUSED',
			'network error ETIMEDOUT',
			'network error socket hang up',
			'network error ECONNRESET',
		]);
		expect(events.every((event) => event.status === undefined)).toBe(true);
	});

	it('can be told not to retry network errors (non-idempotent requests)', async () => {
		const { policy } = fakeClock({ retryNetworkErrors: false });
		const { fn, attempts } = failing(new NetworkError('ECONNRESET', 'reset'));
		await expect(withRetry(fn, policy)).rejects.toBeInstanceOf(NetworkError);
		expect(attempts).toEqual([1]);
	});

	it('does not retry programming errors or protocol errors', async () => {
		const { policy } = fakeClock();
		const bug = failing(new TypeError('x is undefined'));
		await expect(withRetry(bug.fn, policy)).rejects.toThrow(TypeError);
		expect(bug.attempts).toEqual([1]);
		const protocol = failing(new ODataError({ system: 'fo', transient: true, detail: 'nextLink loop' }));
		await expect(withRetry(protocol.fn, policy)).rejects.toThrow(/nextLink loop/);
		expect(protocol.attempts).toEqual([1]);
	});

	it('waits for real when no sleep is injected', async () => {
		const started = Date.now();
		const { fn } = failing(httpError(503));
		await withRetry(fn, { baseDelayMs: 20, random: () => 1 });
		expect(Date.now() - started).toBeGreaterThanOrEqual(15);
	});
});

describe('networkErrorCode', () => {
	it('finds codes and ignores HTTP errors', () => {
		expect(networkErrorCode(new NetworkError('EAI_AGAIN', 'dns'))).toBe('EAI_AGAIN');
		expect(networkErrorCode(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBeUndefined();
		expect(networkErrorCode(httpError(503))).toBeUndefined();
		expect(networkErrorCode('ECONNRESET')).toBeUndefined();
	});
});
