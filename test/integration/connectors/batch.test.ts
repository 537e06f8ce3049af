/** $batch on both systems: input order, per-write failures, atomic changesets, batch sizes. */
import { ODataError } from '../../../lib/odata';
import type { BatchWrite, BatchWriteResult, Connector } from '../../../lib/connectors';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, type SystemFixture } from './fixtures';

let emulators: Emulators;
let systems: Record<'fo' | 'dataverse', SystemFixture>;
beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	systems = await fixtures(emulators);
});
afterAll(() => emulators.close());

const okResult = (result: BatchWriteResult) => {
	if (!result.ok) throw new Error(`expected success, got ${result.error.message}`);
	return result.result;
};
const failed = (result: BatchWriteResult): ODataError => {
	if (result.ok) throw new Error(`expected a failure, got ${result.result.outcome}`);
	return result.error;
};

describe.each(['fo', 'dataverse'] as const)('%s batch', (name) => {
	let s: SystemFixture;
	let connector: Connector;
	const batchPosts = () => s.requests.filter((request) => request.url.endsWith('$batch'));
	beforeAll(() => {
		s = systems[name];
		connector = s.connector();
	});
	beforeEach(() => {
		s.requests.length = 0;
	});

	it('returns one result per write in input order; a bad record fails alone with the server error and its key', async () => {
		await connector.upsert(s.entity, s.key('B-EXISTING'), s.record('before'));
		s.requests.length = 0;
		const writes: BatchWrite[] = [
			{ operation: 'upsert', entity: s.entity, key: s.key('B-NEW-1'), record: s.record('new one') },
			{ operation: 'upsert', entity: s.entity, key: s.key('B-BAD-1'), record: { ...s.record('bad'), ...s.invalid } },
			{ operation: 'upsert', entity: s.entity, key: s.key('B-EXISTING'), record: s.record('after') },
			{ operation: 'upsert', entity: s.entity, key: { nosuch: 'x' }, record: s.record('bad key') },
		];
		const results = await connector.batch(writes);
		expect(results).toHaveLength(4);
		expect(okResult(results[0])).toMatchObject({ outcome: 'created', key: s.key('B-NEW-1') });
		const bad = failed(results[1]);
		expect(bad).toBeInstanceOf(ODataError);
		expect(bad.key).toEqual(s.key('B-BAD-1'));
		expect(bad.entity).toBe(s.entity);
		expect(bad.status).toBe(name === 'fo' ? 500 : 400);
		expect(okResult(results[2])).toMatchObject({ outcome: 'updated', key: s.key('B-EXISTING') });
		expect(failed(results[3]).message).toMatch(/not a key of/);
		expect((await connector.get(s.entity, s.key('B-NEW-1')))?.[s.nameField]).toBe('new one');
		expect((await connector.get(s.entity, s.key('B-EXISTING')))?.[s.nameField]).toBe('after');
		expect(await connector.get(s.entity, s.key('B-BAD-1'))).toBeUndefined();
		// F&O: one $batch of PATCHes, then one with the POSTs for the 404s. Dataverse: one $batch.
		expect(batchPosts()).toHaveLength(name === 'fo' ? 2 : 1);
	});

	it('atomic: a failing write rolls back the whole changeset, and every write says why', async () => {
		await connector.upsert(s.entity, s.key('A-EXISTING'), s.record('untouched'));
		const results = await connector.batch(
			[
				{ operation: 'upsert', entity: s.entity, key: s.key('A-NEW-1'), record: s.record('rolled back') },
				{ operation: 'upsert', entity: s.entity, key: s.key('A-EXISTING'), record: s.record('rolled back too') },
				{ operation: 'upsert', entity: s.entity, key: s.key('A-BAD-1'), record: { ...s.record('bad'), ...s.invalid } },
			],
			{ atomic: true },
		);
		const errors = results.map(failed);
		expect(errors.map((error) => error.key)).toEqual([s.key('A-NEW-1'), s.key('A-EXISTING'), s.key('A-BAD-1')]);
		expect(errors[0].message).toMatch(/rolled back/);
		expect(errors[2].message).toMatch(name === 'fo' ? /NOPE/ : /numberofemployees|Int32|many/);
		expect(await connector.get(s.entity, s.key('A-NEW-1'))).toBeUndefined();
		expect((await connector.get(s.entity, s.key('A-EXISTING')))?.[s.nameField]).toBe('untouched');
	});

	it('atomic: creates and updates commit together', async () => {
		await connector.upsert(s.entity, s.key('AT-EXISTING'), s.record('old'));
		const results = await connector.batch(
			[
				{ operation: 'upsert', entity: s.entity, key: s.key('AT-NEW'), record: s.record('new') },
				{ operation: 'upsert', entity: s.entity, key: s.key('AT-EXISTING'), record: s.record('new') },
			],
			{ atomic: true },
		);
		expect(results.map((result) => okResult(result).outcome)).toEqual(['created', 'updated']);
		expect((await connector.get(s.entity, s.key('AT-NEW')))?.[s.nameField]).toBe('new');
		expect((await connector.get(s.entity, s.key('AT-EXISTING')))?.[s.nameField]).toBe('new');
	});

	it('splits writes into $batch requests of batchSize and handles every operation', async () => {
		await connector.upsert(s.entity, s.key('S-UPD'), s.record('old'));
		await connector.upsert(s.entity, s.key('S-DEL'), s.record('doomed'));
		s.requests.length = 0;
		const results = await connector.batch(
			[
				{ operation: 'create', entity: s.entity, record: { ...s.key('S-CRE'), ...s.record('created') } },
				{ operation: 'update', entity: s.entity, key: s.key('S-UPD'), record: s.record('updated') },
				{ operation: 'delete', entity: s.entity, key: s.key('S-DEL') },
				{ operation: 'delete', entity: s.entity, key: s.key('S-NEVER') },
				{ operation: 'update', entity: s.entity, key: s.key('S-MISSING'), record: s.record('x') },
			],
			{ batchSize: 2 },
		);
		expect(batchPosts()).toHaveLength(3);
		expect(results.slice(0, 3).map((result) => okResult(result).outcome)).toEqual(['created', 'updated', 'deleted']);
		expect(failed(results[3])).toMatchObject({ status: 404, key: s.key('S-NEVER') });
		expect(failed(results[4])).toMatchObject({ status: 404, key: s.key('S-MISSING') });
		expect(await connector.get(s.entity, s.key('S-DEL'))).toBeUndefined();
		expect((await connector.get(s.entity, s.key('S-UPD')))?.[s.nameField]).toBe('updated');
	});

	it('refuses a batch size above the system maximum', async () => {
		await expect(connector.batch([], { batchSize: name === 'fo' ? 501 : 1001 })).rejects.toThrow(/batchSize must be an integer from 1 to/);
		expect(await connector.batch([])).toEqual([]);
	});
});

describe('F&O atomic upsert reads keys first', () => {
	it('sends a round of GETs, then one changeset of PATCH and POST', async () => {
		const fo = systems.fo;
		const connector = fo.connector();
		await connector.upsert('CustomersV3', fo.key('RF-OLD'), fo.record('old'));
		fo.requests.length = 0;
		const results = await connector.batch(
			[
				{ operation: 'upsert', entity: 'CustomersV3', key: fo.key('RF-OLD'), record: fo.record('x') },
				{ operation: 'upsert', entity: 'CustomersV3', key: fo.key('RF-NEW'), record: fo.record('y') },
			],
			{ atomic: true },
		);
		expect(results.map((result) => okResult(result).outcome)).toEqual(['updated', 'created']);
		const bodies = fo.requests.map((request) => request.body ?? '');
		expect(bodies).toHaveLength(2);
		expect(bodies[0]).toMatch(/GET \S*RF-OLD/);
		expect(bodies[0]).not.toMatch(/changeset/);
		expect(bodies[1]).toMatch(/changeset_/);
		expect(bodies[1]).toMatch(/PATCH \S*RF-OLD/);
		expect(bodies[1]).toMatch(/POST CustomersV3 /);
	});
});
