import type { StateStore } from '../../../lib/state';
import { closeAll, T0, tempStore, type TestStore } from './helpers';

const FO_KEY = { dataAreaId: 'usmf', CustomerAccount: 'US-001' };
const DV_KEY = { accountnumber: 'US-001', 'msdyn_company.cdm_companycode': 'usmf' };

describe('echo ledger', () => {
	let t: TestStore;
	let store: StateStore;
	beforeEach(async () => {
		t = await tempStore();
		store = t.store;
	});
	afterEach(closeAll);

	it('keeps what we wrote and what we saw per side, with timestamps', async () => {
		await store.recordWrite({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1', version: 'W/"101"' });
		t.clock.now += 1000;
		await store.recordSeen({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h2', version: 'W/"102"' });
		expect(await store.getLedger('customers', 'dataverse', DV_KEY)).toEqual({
			map: 'customers',
			side: 'dataverse',
			key: DV_KEY,
			writtenHash: 'h1',
			writtenVersion: 'W/"101"',
			writtenAt: T0,
			seenHash: 'h2',
			seenVersion: 'W/"102"',
			seenAt: T0 + 1000,
		});
		expect(await store.getLedger('customers', 'fo', DV_KEY)).toBeUndefined();
		expect(await store.getLedger('vendors', 'dataverse', DV_KEY)).toBeUndefined();
	});

	it('finds a record whatever the order of its key fields', async () => {
		await store.recordWrite({ map: 'customers', side: 'fo', key: { CustomerAccount: 'US-001', dataAreaId: 'usmf' }, hash: 'h' });
		expect((await store.getLedger('customers', 'fo', FO_KEY))?.writtenHash).toBe('h');
	});

	it('a later write replaces the earlier one, including a version that is now unknown', async () => {
		await store.recordWrite({ map: 'customers', side: 'fo', key: FO_KEY, hash: 'h1', version: '5' });
		await store.recordWrite([{ map: 'customers', side: 'fo', key: FO_KEY, hash: 'h2', at: T0 + 5 }]);
		const entry = await store.getLedger('customers', 'fo', FO_KEY);
		expect(entry).toMatchObject({ writtenHash: 'h2', writtenAt: T0 + 5 });
		expect(entry?.writtenVersion).toBeUndefined();
	});

	it('recordSync links both sides and stores the assumed master state on each', async () => {
		const master = { name: 'Contoso', creditLimit: 1000 };
		await store.recordSync({
			map: 'customers',
			source: { side: 'fo', key: FO_KEY, hash: 'hs', version: 'cn-7' },
			target: { side: 'dataverse', key: DV_KEY, hash: 'ht', version: 'W/"9"' },
			master,
		});
		const fo = await store.getLedger('customers', 'fo', FO_KEY);
		const dv = await store.getLedger('customers', 'dataverse', DV_KEY);
		expect(fo).toMatchObject({ seenHash: 'hs', seenVersion: 'cn-7', counterpartKey: DV_KEY, master: { values: master, hash: 'ht', at: T0 } });
		expect(fo?.writtenHash).toBeUndefined();
		expect(dv).toMatchObject({ writtenHash: 'ht', writtenVersion: 'W/"9"', counterpartKey: FO_KEY, master: { values: master } });
		// Without master values the previous master survives.
		t.clock.now += 10;
		await store.recordSync({ map: 'customers', source: { side: 'dataverse', key: DV_KEY, hash: 'x' }, target: { side: 'fo', key: FO_KEY, hash: 'y' } });
		expect((await store.getLedger('customers', 'fo', FO_KEY))?.master).toEqual({ values: master, hash: 'ht', at: T0 });
		expect((await store.getLedger('customers', 'fo', FO_KEY))?.writtenHash).toBe('y');
	});

	describe('isEcho', () => {
		const check = (observed: { hash?: string; version?: string }) => store.isEcho('customers', 'dataverse', DV_KEY, observed);

		it('nothing known: a change', async () => {
			expect(await check({ hash: 'h1' })).toEqual({ echo: false, detail: expect.any(String) });
		});

		it('the event of our own write is an echo, by version or by hash', async () => {
			await store.recordWrite({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1', version: 'v1' });
			expect(await check({ hash: 'other', version: 'v1' })).toMatchObject({ echo: true, decision: 'echo' });
			expect(await check({ hash: 'h1' })).toMatchObject({ echo: true, decision: 'echo' });
			expect(await check({ hash: 'h2', version: 'v2' })).toMatchObject({ echo: false });
			expect((await check({ hash: 'h2', version: 'v2' })).decision).toBeUndefined();
		});

		it('once the echo is recorded as seen, a duplicated delivery is no-change', async () => {
			await store.recordWrite({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1' });
			t.clock.now += 1;
			await store.recordSeen({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1' });
			expect(await check({ hash: 'h1' })).toMatchObject({ echo: false, decision: 'no-change' });
		});

		it('a person typing back the value we once wrote is a change, not an echo', async () => {
			await store.recordWrite({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1' });
			t.clock.now += 1;
			await store.recordSeen({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h2' });
			expect(await check({ hash: 'h1' })).toEqual({ echo: false, detail: expect.any(String) });
		});

		it('a version already seen is no-change', async () => {
			await store.recordSeen({ map: 'customers', side: 'dataverse', key: DV_KEY, hash: 'h1', version: 'v3' });
			expect(await check({ hash: 'h9', version: 'v3' })).toMatchObject({ echo: false, decision: 'no-change' });
		});
	});
});
