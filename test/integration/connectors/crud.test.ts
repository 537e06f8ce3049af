/** Every interface method on both systems, through the same scenarios. */
import { ODataError } from '../../../lib/odata';
import type { Connector } from '../../../lib/connectors';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, type SystemFixture } from './fixtures';

let emulators: Emulators;
let systems: Record<'fo' | 'dataverse', SystemFixture>;
beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	systems = await fixtures(emulators);
});
afterAll(() => emulators.close());

async function failure(promise: Promise<unknown>): Promise<ODataError> {
	const outcome = await promise.then(
		() => undefined,
		(error: unknown) => error,
	);
	if (!(outcome instanceof ODataError)) throw new Error(`expected an ODataError, got ${String(outcome)}`);
	return outcome;
}

describe.each(['fo', 'dataverse'] as const)('%s connector', (name) => {
	let s: SystemFixture;
	let connector: Connector;
	beforeAll(() => {
		s = systems[name];
		connector = s.connector();
	});

	it('describes an entity from $metadata and suggests close matches for an unknown one', async () => {
		const info = await connector.describe(s.entity);
		expect(info.system).toBe(name);
		expect(info.name).toBe(s.entity);
		expect(info.fields.some((field) => field.name === s.nameField)).toBe(true);
		expect((await connector.listEntities()).map((entity) => entity.name)).toContain(s.entity);
		const typo = `${s.entity.slice(0, -1)}z`;
		const error = await failure(connector.describe(typo));
		expect(error.entity).toBe(typo);
		expect(error.message).toContain(`did you mean '${s.entity}'`);
		const none = await failure(connector.describe('Nope'));
		expect(none.message).toMatch(/Nope/);
	});

	it('keyOf picks the key fields and names a missing one', async () => {
		const info = await connector.describe(s.entity);
		const key = s.key('KEY-1');
		expect(connector.keyOf(info, { ...key, ...s.record('x') })).toEqual(key);
		const partial = { ...key };
		const missing = Object.keys(key)[1];
		delete partial[missing];
		const error = await failure(Promise.resolve().then(() => connector.keyOf(info, partial)));
		expect(error.message).toContain(missing);
		expect(error.entity).toBe(s.entity);
	});

	it('upsert creates, then updates the same key; get reads it back; 404 reads as undefined', async () => {
		const key = s.key('UPS-1');
		expect(await connector.get(s.entity, key)).toBeUndefined();
		const created = await connector.upsert(s.entity, key, s.record('first'));
		expect(created.outcome).toBe('created');
		expect(created.key).toEqual(key);
		const updated = await connector.upsert(s.entity, key, s.record('second'), { returnRecord: true });
		expect(updated.outcome).toBe('updated');
		expect(updated.record?.[s.nameField]).toBe('second');
		if (name === 'dataverse') expect(updated.id).toBe(created.id);
		const read = await connector.get(s.entity, key, { select: [s.nameField] });
		expect(read?.[s.nameField]).toBe('second');
	});

	it("round-trips a key with a quote (O'Brien) and keeps an injection attempt a literal", async () => {
		const obrien = s.key("O'Brien");
		expect((await connector.upsert(s.entity, obrien, s.record('quoted'))).outcome).toBe('created');
		expect((await connector.get(s.entity, obrien))?.[s.nameField]).toBe('quoted');
		const hostile = s.key("x' or 1 eq 1 or 'a");
		expect(await connector.get(s.entity, hostile)).toBeUndefined();
		expect((await connector.upsert(s.entity, hostile, s.record('hostile'))).outcome).toBe('created');
		const back = await connector.get(s.entity, hostile);
		expect(back?.[Object.keys(hostile)[name === 'fo' ? 1 : 0]]).toBe("x' or 1 eq 1 or 'a");
		expect(back?.[s.nameField]).toBe('hostile');
		// The O'Brien row is untouched by the hostile write.
		expect((await connector.get(s.entity, obrien))?.[s.nameField]).toBe('quoted');
	});

	it('create-only on an existing key and update-only on a missing key fail with the server error', async () => {
		const key = s.key('MODE-1');
		await connector.upsert(s.entity, key, s.record('exists'));
		const duplicate = await failure(connector.upsert(s.entity, key, s.record('again'), { mode: 'create' }));
		expect(duplicate.entity).toBe(s.entity);
		expect(duplicate.status).toBe(name === 'fo' ? 500 : 412);
		expect(duplicate.message).toMatch(/already exists/);
		expect((await connector.get(s.entity, key))?.[s.nameField]).toBe('exists');
		const missingKey = s.key('MODE-MISSING');
		const missing = await failure(connector.upsert(s.entity, missingKey, s.record('nope'), { mode: 'update' }));
		expect(missing.status).toBe(404);
		expect(missing.key).toEqual(missingKey);
		expect(await connector.get(s.entity, missingKey)).toBeUndefined();
	});

	it('create, update with an ETag (a stale one is refused), delete, and delete of a missing key', async () => {
		const key = s.key('CRUD-1');
		const created = await connector.create(s.entity, { ...key, ...s.record('made') }, { returnRecord: true });
		expect(created.outcome).toBe('created');
		expect(created.key).toEqual(key);
		const current = await connector.get(s.entity, key);
		const etag = current?.['@odata.etag'] as string;
		expect(typeof etag).toBe('string');
		const updated = await connector.update(s.entity, key, s.record('changed'), { etag });
		expect(updated.outcome).toBe('updated');
		const stale = await failure(connector.update(s.entity, key, s.record('stale'), { etag }));
		expect(stale.status).toBe(412);
		expect((await connector.get(s.entity, key))?.[s.nameField]).toBe('changed');
		expect((await connector.delete(s.entity, key)).outcome).toBe('deleted');
		expect(await connector.get(s.entity, key)).toBeUndefined();
		const gone = await failure(connector.delete(s.entity, key));
		expect(gone.status).toBe(404);
		expect(gone.entity).toBe(s.entity);
		expect(gone.key).toEqual(key);
	});

	it('a server-side validation failure is an ODataError with the server message, entity and key', async () => {
		const key = s.key('BAD-1');
		const error = await failure(connector.upsert(s.entity, key, { ...s.record('bad'), ...s.invalid }));
		expect(error.system).toBe(name);
		expect(error.key).toEqual(key);
		expect(error.status).toBe(name === 'fo' ? 500 : 400);
		expect(error.message).toMatch(name === 'fo' ? /NOPE/ : /numberofemployees|Edm\.Int32|many/);
	});

	it('readPages honours select, filter and limit', async () => {
		const field = s.nameField;
		const pages: Array<Array<Record<string, unknown>>> = [];
		for await (const page of connector.readPages(s.entity, { select: [field], limit: 3 })) pages.push(page);
		const records = pages.flat();
		expect(records).toHaveLength(3);
		expect(Object.keys(records[0]).filter((k) => !k.startsWith('@'))).toEqual(expect.arrayContaining([field]));
		const filtered: Array<Record<string, unknown>> = [];
		for await (const page of connector.readPages(s.entity, { filter: `${field} eq 'quoted'`, select: [field] })) filtered.push(...page);
		expect(filtered.map((record) => record[field])).toEqual(['quoted']);
	});
});
