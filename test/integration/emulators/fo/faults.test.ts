import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.call('POST', '/_emulator/faults/reset'));

describe('F&O emulator: fault injection', () => {
	it('429 with Retry-After in seconds, then normal service', async () => {
		await h.call('POST', '/_emulator/faults', { body: { throttleNext: 1, retryAfterSec: 7 } });
		const r = await h.call('GET', '/data/CustomerGroups');
		expect(r.status).toBe(429);
		expect(r.headers.get('retry-after')).toBe('7');
		expect((await h.call('GET', '/data/CustomerGroups')).status).toBe(200);
	});

	it('5xx with the F&O error body', async () => {
		await h.call('POST', '/_emulator/faults', { body: { failNext: 1, errorStatus: 500 } });
		const r = await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'FAULT' } });
		expect(r.status).toBe(500);
		expect(r.json<{ error: { message: string } }>().error.message).toBe('An error has occurred.');
		expect((await h.call('GET', "/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='FAULT')")).status).toBe(404);
	});

	it('per-caller rate limit answers 429 once the budget is spent', async () => {
		await h.call('POST', '/_emulator/faults', { body: { rateLimit: { requests: 2, windowSec: 60 } } });
		const statuses = [];
		for (let i = 0; i < 3; i++) statuses.push((await h.call('GET', '/data/Currencies')).status);
		expect(statuses).toEqual([200, 200, 429]);
	});

	it('counts requests in /_emulator/stats', async () => {
		const before = (await h.get<{ totalRequests: number }>('/_emulator/stats')).totalRequests;
		await h.call('GET', '/data/Currencies');
		expect((await h.get<{ totalRequests: number }>('/_emulator/stats')).totalRequests).toBe(before + 1);
	});
});
