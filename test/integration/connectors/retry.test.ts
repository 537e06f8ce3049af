/** Every request goes through lib/odata's retry: throttling and transient errors are retried, permanent ones not. */
import type { RetryEvent } from '../../../lib/odata';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, stats, type SystemFixture } from './fixtures';

let emulators: Emulators;
let systems: Record<'fo' | 'dataverse', SystemFixture>;
beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 3 } });
	systems = await fixtures(emulators);
});
afterAll(() => emulators.close());

describe.each(['fo', 'dataverse'] as const)('%s retry', (name) => {
	let s: SystemFixture;
	const events: RetryEvent[] = [];
	const connector = () => s.connector({ onRetry: (event) => events.push(event) });
	beforeAll(async () => {
		s = systems[name];
		await connector().describe(s.entity);
	});
	beforeEach(() => {
		events.length = 0;
	});
	afterEach(() => s.emulated.admin('POST', '/_emulator/faults/reset'));

	it('waits out a 429 with Retry-After and then succeeds, telling onRetry', async () => {
		await s.emulated.admin('POST', '/_emulator/faults', { throttleNext: 1, retryAfterSec: 1 });
		const before = await stats(s.emulated);
		const started = Date.now();
		const result = await connector().upsert(s.entity, s.key('R-429'), s.record('after throttling'));
		expect(result.outcome).toBe('created');
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ attempt: 1, status: 429, delayMs: 1000 });
		const after = await stats(s.emulated);
		expect(after.faultedRequests - before.faultedRequests).toBe(1);
	});

	it('retries a 503', async () => {
		await s.emulated.admin('POST', '/_emulator/faults', { failNext: 1, errorStatus: 503 });
		const before = await stats(s.emulated);
		expect(await connector().get(s.entity, s.key('R-503-MISSING'))).toBeUndefined();
		expect(events.map((event) => event.status)).toEqual([503]);
		expect((await stats(s.emulated)).totalRequests - before.totalRequests).toBe(2);
	});

	it('retries a throttled $batch as a whole', async () => {
		await s.emulated.admin('POST', '/_emulator/faults', { throttleNext: 1, retryAfterSec: 1 });
		const results = await connector().batch([{ operation: 'upsert', entity: s.entity, key: s.key('R-BATCH'), record: s.record('batched') }]);
		expect(results[0].ok).toBe(true);
		expect(events.map((event) => event.status)).toEqual([429]);
	});

	it('does not retry a permanent 400', async () => {
		const before = await stats(s.emulated);
		const pages = connector().readPages(s.entity, { filter: 'nosuchfield eq 1' });
		await expect(pages.next()).rejects.toMatchObject({ name: 'ODataError', status: 400, system: name, entity: s.entity });
		expect(events).toHaveLength(0);
		expect((await stats(s.emulated)).totalRequests - before.totalRequests).toBe(1);
	});

	it('gives up after the policy and reports the last error', async () => {
		await s.emulated.admin('POST', '/_emulator/faults', { failNext: 10, errorStatus: 503 });
		const limited = s.connector({ onRetry: (event) => events.push(event) });
		await expect(limited.get(s.entity, s.key('R-GIVE-UP'))).rejects.toMatchObject({ status: 503, transient: true, entity: s.entity });
		expect(events).toHaveLength(4);
	});
});
