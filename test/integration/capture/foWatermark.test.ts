/** The F&O modified-time watermark as a polling source, over HTTP against the F&O emulator. */
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnector, type Connector } from '../../../lib/connectors';
import { CaptureCursorError, pollFoWatermark, type FoCursor, type FoWatermarkOptions, type PollResult } from '../../../lib/sync/capture';
import { startEmulators, type Emulators } from '../../support/emulators';

let emulators: Emulators;
let fo: Connector;
const requests: string[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	fo = createConnector('fo', {
		environmentUrl: emulators.fo.url,
		transport: (request) => {
			requests.push(decodeURIComponent(request.url));
			return emulators.fo.transport(request);
		},
		retry: { baseDelayMs: 10, maxDelayMs: 50 },
	});
});
afterAll(() => emulators.close());

const entity = 'CustomersV3';
const poll = (cursor?: string, extra: Partial<FoWatermarkOptions> = {}) => pollFoWatermark(fo, { entity, select: ['OrganizationName'], ...extra }, cursor);
const usmf = (account: string) => ({ dataAreaId: 'usmf', CustomerAccount: account });
const create = (account: string, name = account, company = 'usmf') =>
	fo.create(entity, { dataAreaId: company, CustomerAccount: account, OrganizationName: name, CustomerGroupId: '10' });
const rename = (account: string, name: string) => fo.update(entity, usmf(account), { OrganizationName: name });
const accounts = (result: PollResult) => result.changes.map((change) => change.key.CustomerAccount);
const cursorOf = (result: PollResult) => JSON.parse(result.cursor) as FoCursor;

/** Waits until a second has just begun, so that the next few writes share their (whole-second) timestamp. */
async function startOfSecond(): Promise<void> {
	const ms = Date.now() % 1000;
	if (ms > 200) await sleep(1005 - ms);
}

/** Runs `scenario` until the writes it names landed in one second (a slow machine may cross a boundary). */
async function inOneSecond(scenario: () => Promise<string[]>): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		await startOfSecond();
		const times = await scenario();
		if (new Set(times).size === 1 || attempt === 4) {
			expect(new Set(times).size).toBe(1);
			return;
		}
	}
}

const modifiedOf = async (account: string) => (await fo.get(entity, usmf(account), { select: ['ModifiedDateTime'] }))?.ModifiedDateTime as string;

describe('baseline', () => {
	it('returns no changes and a cursor at the newest record; polls with nothing changed return nothing', async () => {
		await create('CAPF-B1');
		requests.length = 0;
		const first = await poll();
		const sent = [...requests];
		expect(first.changes).toEqual([]);
		expect(first.more).toBe(false);
		expect(cursorOf(first)).toMatchObject({ v: 1, e: entity, f: 'ModifiedDateTime', k: ['dataAreaId', 'CustomerAccount'], p: [Date.parse(await modifiedOf('CAPF-B1')), ['usmf', 'CAPF-B1']] });
		const reads = sent.filter((r) => !r.includes('$metadata'));
		expect(reads).toHaveLength(1);
		expect(reads[0]).toContain('$orderby=ModifiedDateTime desc,dataAreaId desc,CustomerAccount desc');
		expect(reads[0]).toContain('cross-company=true');

		const again = await poll(first.cursor);
		expect(again.changes).toEqual([]);
		expect(again.more).toBe(false);
		expect((await poll(again.cursor)).changes).toEqual([]);
	});
});

describe('changes after the baseline', () => {
	it('reports a create and an update exactly once each, keyed by the natural key; re-reading gives the same event ids', async () => {
		let cursor = (await poll()).cursor;
		await create('CAPF-1', 'first');
		const created = await poll(cursor);
		const modified = await modifiedOf('CAPF-1');
		expect(created.changes).toEqual([
			{
				change: 'update',
				key: { dataAreaId: 'usmf', CustomerAccount: 'CAPF-1' },
				eventId: expect.stringMatching(/^\{"CustomerAccount":"CAPF-1","dataAreaId":"usmf"\}@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ#[A-Za-z0-9+/=]+$/),
				at: modified,
				version: expect.stringMatching(/^W\/"/),
				record: { dataAreaId: 'usmf', CustomerAccount: 'CAPF-1', OrganizationName: 'first', ModifiedDateTime: modified },
			},
		]);
		expect(created.changes[0].eventId).toContain(`@${modified}#`);
		expect((await poll(cursor)).changes).toEqual(created.changes);
		cursor = created.cursor;
		expect((await poll(cursor)).changes).toEqual([]);

		await rename('CAPF-1', 'second');
		const updated = await poll(cursor);
		expect(updated.changes.map((c) => [c.key.CustomerAccount, c.record?.OrganizationName])).toEqual([['CAPF-1', 'second']]);
		expect(updated.changes[0].eventId).not.toBe(created.changes[0].eventId);
		cursor = updated.cursor;
		expect((await poll(cursor)).changes).toEqual([]);
	});

	it('does not see deletes (a watermark cannot): F&O events report those', async () => {
		await create('CAPF-DEL');
		const cursor = (await poll()).cursor;
		await fo.delete(entity, usmf('CAPF-DEL'));
		expect((await poll(cursor)).changes).toEqual([]);
	});

	it('reads every company by default, and only the default company with crossCompany: false', async () => {
		const all = (await poll()).cursor;
		const own = (await poll(undefined, { crossCompany: false })).cursor;
		await create('CAPF-DE1', 'german', 'demf');
		await create('CAPF-US1', 'american');
		expect((await poll(all)).changes.map((c) => c.key)).toEqual([
			{ dataAreaId: 'demf', CustomerAccount: 'CAPF-DE1' },
			{ dataAreaId: 'usmf', CustomerAccount: 'CAPF-US1' },
		]);
		expect((await poll(own, { crossCompany: false })).changes.map((c) => c.key)).toEqual([{ dataAreaId: 'usmf', CustomerAccount: 'CAPF-US1' }]);
	});
});

describe('writes sharing a second', () => {
	it('sees a record changed twice within one second (same time, new ETag) and a smaller key written after the poll', async () => {
		let first: PollResult | undefined;
		let second: PollResult | undefined;
		await create('CAPF-S-A');
		await create('CAPF-S-Z');
		await inOneSecond(async () => {
			const cursor = (await poll()).cursor;
			await rename('CAPF-S-Z', 'z once');
			first = await poll(cursor);
			// Same second: the record polled is changed again, and a record with a smaller key changes after it.
			await rename('CAPF-S-Z', 'z twice');
			await rename('CAPF-S-A', 'a once');
			second = await poll(first.cursor);
			return [await modifiedOf('CAPF-S-Z'), await modifiedOf('CAPF-S-A'), first.changes[0]?.at ?? ''];
		});
		expect(first?.changes.map((c) => c.record?.OrganizationName)).toEqual(['z once']);
		expect(second?.changes.map((c) => [c.key.CustomerAccount, c.record?.OrganizationName])).toEqual([
			['CAPF-S-A', 'a once'],
			['CAPF-S-Z', 'z twice'],
		]);
		const ids = [...(first?.changes ?? []), ...(second?.changes ?? [])].map((c) => c.eventId);
		expect(new Set(ids).size).toBe(3);
		// Nothing is emitted twice afterwards.
		expect((await poll(second?.cursor)).changes).toEqual([]);
	});

	it('emits a record again when it changes in a later second, though its key was emitted before', async () => {
		await create('CAPF-L1');
		const cursor = (await poll()).cursor;
		await rename('CAPF-L1', 'before');
		const first = await poll(cursor);
		await sleep(1000 - (Date.now() % 1000) + 20);
		await rename('CAPF-L1', 'after');
		const second = await poll(first.cursor);
		expect(second.changes.map((c) => c.record?.OrganizationName)).toEqual(['after']);
		expect(Date.parse(second.changes[0].at as string)).toBeGreaterThan(Date.parse(first.changes[0].at as string));
	});

	it("handles keys with quotes and wildcard characters (O'Brien*) in the position filters", async () => {
		await create("CAPF-O'Brien");
		await create("CAPF-O'Brien*");
		let result: PollResult | undefined;
		await inOneSecond(async () => {
			const cursor = (await poll()).cursor;
			await rename("CAPF-O'Brien*", 'star');
			const first = await poll(cursor);
			expect(accounts(first)).toEqual(["CAPF-O'Brien*"]);
			await rename("CAPF-O'Brien", 'plain');
			result = await poll(first.cursor);
			return [await modifiedOf("CAPF-O'Brien*"), await modifiedOf("CAPF-O'Brien")];
		});
		expect(accounts(result as PollResult)).toEqual(["CAPF-O'Brien"]);
		expect((await poll(result?.cursor)).changes).toEqual([]);
		// Later, the record without `*` becomes the position: its key goes into the filters as a literal.
		await sleep(1000 - (Date.now() % 1000) + 20);
		await rename("CAPF-O'Brien", 'plain again');
		const later = await poll(result?.cursor);
		expect(accounts(later)).toEqual(["CAPF-O'Brien"]);
		requests.length = 0;
		expect((await poll(later.cursor)).changes).toEqual([]);
		// The quote is doubled inside the literal; a key with `*` is never compared with gt/lt/ge/le (F&O refuses it).
		expect(requests.some((r) => r.includes("CustomerAccount le 'CAPF-O''Brien'"))).toBe(true);
		expect(requests.some((r) => /(gt|lt|ge|le) 'CAPF-O''Brien\*'/.test(r))).toBe(false);
	});
});

describe('late commits (look-back)', () => {
	/** A transaction that committed late: the row becomes visible with a time behind the watermark. */
	function commitLate(account: string, modifiedMs: number, name: string): void {
		const set = emulators.fo.emulator.store.set(entity);
		const row = set?.get('usmf', account.toLowerCase());
		if (!set || !row) throw new Error(`no row ${account}`);
		set.update(row, { ...row.values, OrganizationName: name, ModifiedDateTime: new Date(modifiedMs).toISOString().replace('.000Z', 'Z') });
	}

	it('emits a record committed late inside lookbackMs once; one older than the window is beyond reach', async () => {
		await create('CAPF-LATE1');
		await create('CAPF-LATE2');
		await create('CAPF-NOW');
		const cursor = (await poll()).cursor;
		const wide = (await poll(undefined, { lookbackMs: 60_000 })).cursor;
		const watermark = Date.parse(await modifiedOf('CAPF-NOW'));
		commitLate('CAPF-LATE1', watermark - 1000, 'late by a second');
		commitLate('CAPF-LATE2', watermark - 10_000, 'late by ten seconds');
		const result = await poll(cursor);
		expect(result.changes.map((c) => [c.key.CustomerAccount, c.record?.OrganizationName])).toEqual([['CAPF-LATE1', 'late by a second']]);
		expect((await poll(result.cursor)).changes).toEqual([]);
		// A longer look-back reaches the other one.
		expect(accounts(await poll(wide, { lookbackMs: 60_000 }))).toEqual(['CAPF-LATE2', 'CAPF-LATE1']);
	});
});

describe('limits', () => {
	it('pages: maxChanges bounds a poll and sets more; server pages are followed; nothing is lost or repeated', async () => {
		const start = (await poll()).cursor;
		const names = ['CAPF-P1', 'CAPF-P2', 'CAPF-P3', 'CAPF-P4', 'CAPF-P5'];
		for (const name of names) await create(name);
		await emulators.fo.admin('POST', '/_emulator/settings', { pageSize: 2 });
		try {
			const results: PollResult[] = [];
			let cursor = start;
			for (let round = 0; round < 10; round++) {
				const result = await poll(cursor, { maxChanges: 2 });
				results.push(result);
				cursor = result.cursor;
				if (!result.more) break;
			}
			expect(results.map((r) => r.changes.length)).toEqual([2, 2, 1]);
			expect(results.map((r) => r.more)).toEqual([true, true, false]);
			const all = results.flatMap((r) => r.changes);
			expect(all.map((c) => c.key.CustomerAccount)).toEqual(names);
			expect(new Set(all.map((c) => c.eventId)).size).toBe(5);
			expect((await poll(cursor)).changes).toEqual([]);

			requests.length = 0;
			const whole = await poll(start);
			expect(whole.more).toBe(false);
			expect(whole.changes.map((c) => c.eventId)).toEqual(all.map((c) => c.eventId));
			expect(requests.filter((r) => r.includes('$skip=')).length).toBeGreaterThan(0);
		} finally {
			await emulators.fo.admin('POST', '/_emulator/settings', { pageSize: 10_000 });
		}
	});

	it('keeps at most maxTracked versions in the cursor and still emits nothing twice', async () => {
		const start = (await poll(undefined, { maxTracked: 2 })).cursor;
		const names = ['CAPF-T1', 'CAPF-T2', 'CAPF-T3', 'CAPF-T4'];
		for (const name of names) await create(name);
		const result = await poll(start, { maxTracked: 2 });
		expect(accounts(result)).toEqual(names);
		const cursor = cursorOf(result);
		expect(cursor.s.length).toBeLessThanOrEqual(2);
		// The versions it had to forget end at a floor it does not look behind again.
		expect(cursor.fl).toBeDefined();
		expect((await poll(result.cursor, { maxTracked: 2 })).changes).toEqual([]);
		await sleep(1000 - (Date.now() % 1000) + 20);
		await rename('CAPF-T1', 'again');
		expect(accounts(await poll(result.cursor, { maxTracked: 2 }))).toEqual(['CAPF-T1']);
	});
});

describe('cursor and option errors', () => {
	it.each([
		['not JSON', 'garbage', /not JSON/],
		['of another version', '{"v":2}', /unknown version 2/],
		['for another entity', '{"v":1,"e":"VendorsV2","f":"ModifiedDateTime","k":["dataAreaId","VendorAccountNumber"],"p":null,"s":[]}', /made for entity VendorsV2/],
		['for another field', '{"v":1,"e":"CustomersV3","f":"Other","k":["dataAreaId","CustomerAccount"],"p":null,"s":[]}', /made for modified field Other/],
		['with a broken position', '{"v":1,"e":"CustomersV3","f":"ModifiedDateTime","k":["dataAreaId","CustomerAccount"],"p":[1,["usmf"]],"s":[]}', /p\[1\] must list 2 key value/],
	])('refuses a cursor %s with CaptureCursorError', async (_what, cursor, message) => {
		const failure = await poll(cursor).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(CaptureCursorError);
		expect((failure as Error).message).toMatch(/^F&O CustomersV3: the capture cursor is not usable: /);
		expect((failure as Error).message).toMatch(message);
	});

	it('refuses a modified field that is not a date-time, an unknown one, and a Dataverse connector', async () => {
		await expect(poll(undefined, { modifiedField: 'OrganizationName' })).rejects.toThrow(/OrganizationName of CustomersV3 is not a date-time field/);
		await expect(poll(undefined, { modifiedField: 'Nope' })).rejects.toThrow(/CustomersV3 has no field Nope/);
		const dv = createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: emulators.dataverse.transport });
		await expect(pollFoWatermark(dv, { entity: 'accounts' })).rejects.toThrow(/reads F&O, not dataverse/);
	});
});
