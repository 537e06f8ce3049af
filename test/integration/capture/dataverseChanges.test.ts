/** Dataverse change tracking as a polling source, over HTTP against the Dataverse emulator. */
import { createConnector, type ChangeTrackingConnector, type RecordKey } from '../../../lib/connectors';
import { CaptureCursorError, ChangeTrackingExpiredError, pollDataverseChanges, type PollResult } from '../../../lib/sync/capture';
import { startEmulators, type Emulators } from '../../support/emulators';

let emulators: Emulators;
let dv: ChangeTrackingConnector;
let usmfId: string;
const requests: string[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	dv = createConnector('dataverse', {
		environmentUrl: emulators.dataverse.url,
		transport: (request) => {
			requests.push(`${request.method} ${request.url}`);
			return emulators.dataverse.transport(request);
		},
		retry: { baseDelayMs: 10, maxDelayMs: 50 },
	});
	usmfId = (await dv.get('cdm_companies', { cdm_companycode: 'usmf' }))?.cdm_companyid as string;
});
afterAll(() => emulators.close());

const key = (accountnumber: string): RecordKey => ({ accountnumber, _msdyn_company_value: usmfId });
const options = { entity: 'accounts', select: ['name', 'accountnumber'] };
const poll = (cursor?: string, extra: Partial<Parameters<typeof pollDataverseChanges>[1]> = {}) => pollDataverseChanges(dv, { ...options, ...extra }, cursor);

async function idOf(accountnumber: string): Promise<string> {
	return (await dv.get('accounts', key(accountnumber), { select: ['accountid'] }))?.accountid as string;
}

describe('baseline', () => {
	it('returns no changes and a delta link, paging through the rows without returning them', async () => {
		requests.length = 0;
		const first = await poll(undefined, { pageSize: 1 });
		expect(first.changes).toEqual([]);
		expect(first.more).toBe(false);
		expect(first.cursor).toMatch(/\/api\/data\/v9\.2\/accounts\?\$select=name,accountnumber,accountid,versionnumber,modifiedon&\$deltatoken=/);
		// The seeded accounts took a page each.
		expect(requests.filter((r) => r.startsWith('GET') && r.includes('/accounts')).length).toBeGreaterThan(1);

		const again = await poll(first.cursor);
		expect(again).toEqual({ changes: [], cursor: expect.any(String), more: false });
		const still = await poll(again.cursor);
		expect(still.changes).toEqual([]);
	});
});

describe('changes after the baseline', () => {
	it('reports a create, an update and a delete exactly once each; re-reading one delta gives the same event ids', async () => {
		let cursor = (await poll()).cursor;
		await dv.upsert('accounts', key('CAP-1'), { name: "O'Brien & Sons" });
		const id = await idOf('CAP-1');

		const created = await poll(cursor);
		expect(created.changes).toEqual([
			{
				change: 'update',
				key: { accountid: id },
				eventId: expect.stringMatching(new RegExp(`^${id}@\\d+$`)),
				at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
				version: expect.stringMatching(/^\d+$/),
				record: expect.objectContaining({ accountid: id, name: "O'Brien & Sons", accountnumber: 'CAP-1' }),
			},
		]);
		expect(created.changes[0].record).not.toHaveProperty('@odata.etag');
		// The same delta read again (a lost compare-and-set): the same change, the same event id.
		expect((await poll(cursor)).changes).toEqual(created.changes);
		cursor = created.cursor;

		await dv.update('accounts', key('CAP-1'), { name: 'renamed' });
		const updated = await poll(cursor);
		expect(updated.changes).toHaveLength(1);
		expect(updated.changes[0]).toMatchObject({ change: 'update', key: { accountid: id }, record: { name: 'renamed' } });
		expect(updated.changes[0].eventId).not.toBe(created.changes[0].eventId);
		cursor = updated.cursor;

		await dv.delete('accounts', key('CAP-1'));
		const deleted = await poll(cursor);
		expect(deleted.changes).toEqual([{ change: 'delete', key: { accountid: id }, eventId: expect.stringMatching(new RegExp(`^${id}@delete:\\d+!`)) }]);
		expect((await poll(cursor)).changes[0].eventId).toBe(deleted.changes[0].eventId);

		const after = await poll(deleted.cursor);
		expect(after.changes).toEqual([]);
	});

	it('sees both of two updates made within one second', async () => {
		let cursor = (await poll()).cursor;
		await dv.upsert('accounts', key('CAP-2'), { name: 'one' });
		const first = await poll(cursor);
		cursor = first.cursor;
		await dv.update('accounts', key('CAP-2'), { name: 'two' });
		const second = await poll(cursor);
		expect(first.changes.map((c) => c.record?.name)).toEqual(['one']);
		expect(second.changes.map((c) => c.record?.name)).toEqual(['two']);
		expect(second.changes[0].eventId).not.toBe(first.changes[0].eventId);
	});

	it('pages a large delta: maxChanges stops at a page boundary with more = true, and nothing is lost or repeated', async () => {
		const start = (await poll()).cursor;
		const numbers = ['CAP-P1', 'CAP-P2', 'CAP-P3', 'CAP-P4', 'CAP-P5'];
		for (const n of numbers) await dv.upsert('accounts', key(n), { name: n });
		await dv.upsert('accounts', key('CAP-P6'), { name: 'doomed' });
		await dv.delete('accounts', key('CAP-P6'));

		const results: PollResult[] = [];
		let cursor = start;
		for (let round = 0; round < 10; round++) {
			const result = await poll(cursor, { maxChanges: 2 });
			results.push(result);
			cursor = result.cursor;
			if (!result.more) break;
		}
		expect(results.map((r) => r.changes.length)).toEqual([2, 2, 2]);
		expect(results.map((r) => r.more)).toEqual([true, true, false]);
		const all = results.flatMap((r) => r.changes);
		expect(all.filter((c) => c.change === 'update').map((c) => c.record?.accountnumber)).toEqual(numbers);
		expect(all.filter((c) => c.change === 'delete')).toHaveLength(1);
		expect(new Set(all.map((c) => c.eventId)).size).toBe(6);
		expect((await poll(cursor)).changes).toEqual([]);

		// Without a limit, the same delta comes back whole, with the same event ids.
		const whole = await poll(start);
		expect(whole.more).toBe(false);
		expect(whole.changes.map((c) => c.eventId)).toEqual(all.map((c) => c.eventId));
	});
});

describe('refused and corrupt cursors', () => {
	it('turns an expired delta link into ChangeTrackingExpiredError naming the entity; a new baseline continues', async () => {
		const cursor = (await poll()).cursor;
		await emulators.dataverse.admin('POST', '/_emulator/changetracking/expire');
		const failure = await poll(cursor).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(ChangeTrackingExpiredError);
		expect(failure).toMatchObject({ name: 'ChangeTrackingExpiredError', reason: 'expired', entity: 'accounts', system: 'dataverse', status: 400, serverCode: '0x80044352' });
		expect((failure as Error).message).toMatch(/^Dataverse accounts: HTTP 400 Bad Request \[0x80044352\] Version stamp associated with the client has expired/);

		const fresh = await poll();
		await dv.upsert('accounts', key('CAP-3'), { name: 'after' });
		expect((await poll(fresh.cursor)).changes.map((c) => c.record?.accountnumber)).toEqual(['CAP-3']);
	});

	it('turns a delta token the service calls not valid into ChangeTrackingExpiredError (reason invalid)', async () => {
		const link = new URL((await poll()).cursor);
		link.searchParams.set('$deltatoken', 'garbage');
		await expect(poll(link.href)).rejects.toMatchObject({ name: 'ChangeTrackingExpiredError', reason: 'invalid', entity: 'accounts' });
	});

	it.each([
		['not a URL', 'garbage', /not a delta link/],
		['another entity', '/contacts?$deltatoken=1', /a link of 'contacts', not of 'accounts'/],
		['no token', '/accounts?$select=name', /no \$deltatoken/],
		['another origin', 'https://elsewhere.example/api/data/v9.2/accounts?$deltatoken=1', /points to https:\/\/elsewhere\.example/],
	])('refuses a cursor that is %s before sending anything', async (_what, cursor, message) => {
		const text = cursor.startsWith('/') ? `${emulators.dataverse.url}/api/data/v9.2${cursor}` : cursor;
		requests.length = 0;
		const failure = await poll(text).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(CaptureCursorError);
		expect((failure as Error).message).toMatch(message);
		expect(requests.filter((r) => !r.includes('$metadata'))).toEqual([]);
	});

	it('refuses an F&O connector', async () => {
		const fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
		await expect(pollDataverseChanges(fo, options)).rejects.toThrow(/change tracking is read from Dataverse/);
	});
});
