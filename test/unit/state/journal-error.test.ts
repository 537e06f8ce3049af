import { errorFromResponse, NetworkError } from '../../../lib/odata';
import { backoffDelay, classifyError, DEFAULT_BACKOFF, isRetryable, toJournalError } from '../../../lib/state';

const response = (status: number, body = '', headers: Record<string, string> = {}) =>
	errorFromResponse({ status, headers, body }, { system: 'dataverse', entity: 'accounts', key: { accountnumber: 'A1' } });

describe('journal errors', () => {
	it.each([
		[429, 'throttling'],
		[401, 'auth'],
		[403, 'auth'],
		[409, 'conflict'],
		[412, 'conflict'],
		[404, 'missing-reference'],
		[503, 'transient'],
		[400, 'validation'],
	] as const)('HTTP %i is %s', (status, expected) => {
		expect(classifyError(response(status))).toBe(expected);
	});

	it('an F&O business-rule 500 is validation, a network failure transient, anything else unknown', () => {
		const fo = errorFromResponse(
			{ status: 500, headers: {}, body: JSON.stringify({ error: { code: '', message: 'An error has occurred.', innererror: { message: 'Write failed for table row', type: 'x.AxODataWriteException' } } }) },
			{ system: 'fo' },
		);
		expect(classifyError(fo)).toBe('validation');
		expect(classifyError(new NetworkError('ECONNRESET', 'socket hang up'))).toBe('transient');
		expect(classifyError(new Error('boom'))).toBe('unknown');
		expect(classifyError('string')).toBe('unknown');
	});

	it('keeps the ODataError JSON, status and Retry-After; redacts secrets in other errors', () => {
		const journaled = toJournalError(response(429, '', { 'retry-after': '7' }));
		expect(journaled).toMatchObject({ class: 'throttling', status: 429, retryAfterMs: 7000, details: { system: 'dataverse', entity: 'accounts', status: 429 } });
		expect(JSON.parse(JSON.stringify(journaled)).message).toMatch(/429/);
		expect(toJournalError(new Error('failed with Bearer abc.def.ghi'), 'auth')).toEqual({
			class: 'auth',
			message: 'failed with Bearer [redacted]',
			details: { name: 'Error' },
		});
	});

	it('backoff grows by the factor up to the cap, never below Retry-After; classes decide retry unless overridden', () => {
		const policy = { ...DEFAULT_BACKOFF, jitter: 0 };
		const error = { class: 'transient' as const, message: 'x' };
		expect([1, 2, 3, 20].map((n) => backoffDelay(n, error, policy, () => 0.5))).toEqual([2000, 6000, 18000, policy.maxMs]);
		expect(backoffDelay(1, { ...error, retryAfterMs: 60_000 }, policy, () => 0.5)).toBe(60_000);
		expect(isRetryable({ class: 'validation', message: '' })).toBe(false);
		expect(isRetryable({ class: 'missing-reference', message: '' })).toBe(true);
		expect(isRetryable({ class: 'throttling', message: '' }, false)).toBe(false);
	});
});
