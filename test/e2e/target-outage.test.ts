import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { USER_APP } from '../../emulators/common/directory';
import { startEmulators, type RunningEmulators } from '../../emulators';
import type { DataRecord } from '../../lib/connectors';
import { defaultStateFile, openSqliteStateStore, type JournalEntry, type StateStore } from '../../lib/state';
import { emulatorCredentials } from '../../scripts/emulatorCredentials';
import { failureSamples } from '../../lib/sync';
import { emulatorConnectors, initialCopy, type EmulatorConnectors } from '../../scripts/initialCopy';
import { eventually } from '../support/eventually';
import { startN8n, type N8nInstance } from '../support/n8n/instance';
import { liveTemplate, withFoEvents } from '../support/n8n/liveWorkflows';

/**
 * The target of F&O -> Dataverse goes down for 60 s while live sync runs, and nothing is lost once it is back.
 *
 * Same fixture as live-sync.test.ts: emulators with seeded data, the initial copy, a real n8n with the packed package
 * and the live templates of customers V3 <-> accounts active both ways (Dual-Write Trigger polling, plus the F&O
 * webhook trigger in journal mode). "Down" is the Dataverse emulator's HTTP server closed (connections cut, new ones
 * refused) and later listening again on the same port with its data (`RunningEmulators.takeDown`). While it is down,
 * a person makes 20 updates across 5 customers and creates 5 customers in F&O; after 60 s Dataverse returns, and the
 * test waits (at most 120 s) for Dataverse to hold every last value over HTTP, then checks for duplicates, the journal
 * (nothing failed for good; whatever was retried ended done) and that the reverse direction still works.
 */
const MAP = 'customers-v3-accounts';
const OUTAGE_MS = 60_000;
const CONVERGE_WITHIN_MS = 120_000;


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


type Key = { dataAreaId: string; CustomerAccount: string };
const id = (key: Key) => `${key.dataAreaId}/${key.CustomerAccount}`;

describe('real n8n: Dataverse down for 60 s during live sync of customers V3 <-> accounts', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	let people: EmulatorConnectors;
	let store: StateStore;
	let bringBack: (() => Promise<void>) | undefined;
	const workflows = [withFoEvents(liveTemplate(MAP, 'fo->dataverse'), MAP, 'CustomersV3', 'target-outage'), liveTemplate(MAP, 'dataverse->fo')];
	let customers: Key[];
	let template: DataRecord;

	/** Every journal entry of the map created at or after `from`, oldest first. */
	const journalSince = async (from: number): Promise<JournalEntry[]> => {
		const all: JournalEntry[] = [];
		let cursor: string | undefined;
		do {
			const page = await store.list({ map: MAP, from, order: 'asc', limit: 1000, cursor });
			all.push(...page.items);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	};
	const line = (e: JournalEntry) =>
		`#${e.id} ${e.direction} ${e.change} ${JSON.stringify(e.source.key)} ev=${e.source.eventId} ${e.status}${e.decision ? `/${e.decision}` : ''} attempts=${e.attempts} ${e.detail ?? ''} ${e.error ? `[${e.error.class}] ${e.error.message}` : ''}`;
	/** The newest journal entries and activity, for failure messages. */
	const journalTail = async (n = 30) => {
		const entries = (await store.list({ map: MAP, limit: n })).items.map(line);
		const activity = (await store.listActivity({ map: MAP, limit: 8 })).items.map((a) => `${a.event} ${JSON.stringify(a.detail)}`);
		return [...entries, `counts ${JSON.stringify(await store.counts(MAP))}`, ...activity].join('\n');
	};
	const account = async (key: Key) => await people.dataverse.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId });
	const customer = async (key: Key) => await people.fo.get('CustomersV3', key);

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 5 } });
		people = emulatorConnectors(emulators, USER_APP);
		const userFolder = mkdtempSync(path.join(tmpdir(), 'dw-outage-n8n-'));
		const reports = await initialCopy(emulators, userFolder);
		expect([...reports.values()].flatMap(failureSamples)).toEqual([]);
		const organisations: DataRecord[] = [];
		for await (const page of people.fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['dataAreaId', 'CustomerAccount'] })) organisations.push(...page);
		customers = organisations.slice(0, 5).map((r) => ({ dataAreaId: String(r.dataAreaId), CustomerAccount: String(r.CustomerAccount) }));
		expect(customers).toHaveLength(5);
		for (const key of customers) expect(await account(key)).toBeDefined();
		const usmf = organisations.find((r) => r.dataAreaId === 'usmf');
		template = (await customer({ dataAreaId: 'usmf', CustomerAccount: String(usmf?.CustomerAccount) })) as DataRecord;
		n8n = await startN8n({ userFolder, keep: process.env.DW_KEEP === '1', credentials: emulatorCredentials(emulators), workflows, publish: workflows.map((w) => w.id) });
		store = await openSqliteStateStore({ file: defaultStateFile(n8n.userFolder) });
		await eventually('both triggers have a baseline', async () => [await store.getCursor(`capture:${MAP}:fo->dataverse`), await store.getCursor(`capture:${MAP}:dataverse->fo`)], (c) => c.every(Boolean));
		// Live sync works before the outage (so a failure below is the outage's, not the fixture's).
		await people.fo.update('CustomersV3', customers[0], { SalesMemo: 'before the outage' });
		await eventually('the pre-outage edit in Dataverse', () => account(customers[0]), (a) => a?.description === 'before the outage', 60_000);
	}, 600_000);

	afterAll(async () => {
		// A failed test must not leave the server closed (close() then has nothing to close for it).
		await bringBack?.().catch(() => undefined);
		await store?.close();
		await n8n?.dispose();
		people?.close();
		await emulators?.close();
	}, 60_000);

	it('F&O edits and creates made while Dataverse is down all arrive once it is back, once each', async () => {
		// --- Down. ---
		const downAt = Date.now();
		bringBack = await emulators.takeDown('dataverse');
		await expect(fetch(`${emulators.dataverse.url}/api/data/v9.2/`)).rejects.toThrow();

		// --- 20 updates across 5 customers and 5 creates, spread over the first ~30 s of the outage, so that they
		// meet the sync at different points of its retry backoff. Each customer gets two memo and two credit limit
		// edits; the last of each is what Dataverse must end with. ---
		const want = new Map<string, { key: Key; memo?: string; credit?: number; name?: string }>();
		for (const key of customers) want.set(id(key), { key });
		const created: Key[] = [];
		for (let n = 0; n < 25; n++) {
			if (n % 5 === 4) {
				const number = created.length + 1;
				const key = { dataAreaId: 'usmf', CustomerAccount: `US-OUT-${number}` };
				const values = { name: `Created during outage ${number}`, memo: `created memo ${n}`, credit: 7000 + n };
				const record = { ...template, ...key, OrganizationName: values.name, SalesMemo: values.memo, CreditLimit: values.credit } as DataRecord;
				// A new customer gets its own party (number sequence), not the template's.
				for (const field of ['@odata.etag', 'ModifiedDateTime', 'PartyNumber']) delete record[field];
				await people.fo.create('CustomersV3', record);
				created.push(key);
				want.set(id(key), { key, ...values });
			} else {
				const u = n - Math.floor(n / 5);
				const state = want.get(id(customers[u % 5]))!;
				if (u % 2 === 0) {
					state.memo = `outage memo ${u}`;
					await people.fo.update('CustomersV3', state.key, { SalesMemo: state.memo });
				} else {
					state.credit = 5000 + u;
					await people.fo.update('CustomersV3', state.key, { CreditLimit: state.credit });
				}
			}
			await sleep(1_200);
		}
		expect(created).toHaveLength(5);
		expect([...want.values()].filter((w) => w.memo !== undefined && w.credit !== undefined)).toHaveLength(10);

		// The sync saw the outage: changes of the outage were tried and failed, and wait for another attempt.
		const seen = await eventually(
			'a failed attempt journaled during the outage',
			async () => (await journalSince(downAt)).filter((e) => e.direction === 'fo->dataverse' && e.error !== undefined),
			(failed) => failed.length > 0,
			Math.max(1_000, OUTAGE_MS - (Date.now() - downAt) - 2_000),
		);
		const seenAfter = (Date.now() - downAt) / 1000;
		const duringOutage = await journalSince(downAt);
		expect(duringOutage.filter((e) => e.status === 'failed').map(line)).toEqual([]);
		await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
		const atReturn = await journalSince(downAt);

		// --- Back. ---
		await bringBack();
		bringBack = undefined;
		const upAt = Date.now();
		const downSeconds = (upAt - downAt) / 1000;

		/** What Dataverse does not hold yet, e.g. `usmf/US-OUT-3 missing` or `usmf/US-000002 memo: want "outage memo 12", Dataverse "x"`. */
		const differences = async () => {
			const out: string[] = [];
			for (const w of want.values()) {
				const a = await account(w.key);
				if (a === undefined) {
					out.push(`${id(w.key)} missing`);
					continue;
				}
				if (w.memo !== undefined && a.description !== w.memo) out.push(`${id(w.key)} memo: want ${JSON.stringify(w.memo)}, Dataverse ${JSON.stringify(a.description)}`);
				if (w.credit !== undefined && Number(a.creditlimit) !== w.credit) out.push(`${id(w.key)} credit: want ${w.credit}, Dataverse ${JSON.stringify(a.creditlimit)}`);
				if (w.name !== undefined && a.name !== w.name) out.push(`${id(w.key)} name: want ${JSON.stringify(w.name)}, Dataverse ${JSON.stringify(a.name)}`);
			}
			return out;
		};
		await eventually('Dataverse holds every edit and create of the outage', differences, (d) => d.length === 0, CONVERGE_WITHIN_MS).catch(async (error: Error) => {
			throw new Error(`${error.message}\njournal tail:\n${await journalTail()}`);
		});
		const convergedSeconds = (Date.now() - upAt) / 1000;

		// --- Nothing left over: the journal settles with nothing pending, in flight or failed. ---
		await eventually('the journal settles', () => store.counts(MAP), (c) => c.pending === 0 && c['in-flight'] === 0, 60_000).catch(async (error: Error) => {
			throw new Error(`${error.message}\njournal tail:\n${await journalTail()}`);
		});
		const entries = await journalSince(downAt);
		expect((await store.list({ map: MAP, status: 'failed' })).items.map(line)).toEqual([]);
		// Whatever failed during the outage was retried until done (or settled without a write, e.g. folded into a newer change).
		const retried = entries.filter((e) => e.error !== undefined);
		expect(retried.filter((e) => e.status !== 'done' && e.status !== 'skipped').map(line)).toEqual([]);
		expect(retried.length).toBeGreaterThan(0);
		// F&O still holds the outage's edits (the returning side wrote nothing stale back).
		for (const w of want.values()) {
			const c = await customer(w.key);
			expect({ key: id(w.key), memo: c?.SalesMemo, credit: Number(c?.CreditLimit) }).toEqual({ key: id(w.key), memo: w.memo, credit: w.credit });
		}

		// --- No duplicates: one account per company and account number, and exactly the 5 created ones. ---
		const accounts: DataRecord[] = [];
		for await (const page of people.dataverse.readPages('accounts', { select: ['accountnumber', '_msdyn_company_value'] })) accounts.push(...page);
		const perKey = new Map<string, number>();
		for (const a of accounts) perKey.set(`${a._msdyn_company_value}|${a.accountnumber}`, (perKey.get(`${a._msdyn_company_value}|${a.accountnumber}`) ?? 0) + 1);
		expect([...perKey.entries()].filter(([, count]) => count > 1)).toEqual([]);
		expect(accounts.filter((a) => String(a.accountnumber).startsWith('US-OUT-')).map((a) => a.accountnumber).sort()).toEqual(created.map((k) => k.CustomerAccount).sort());

		// --- The figure. ---
		const outageChanges = entries.filter((e) => e.direction === 'fo->dataverse' && e.createdAt < upAt);
		const attempts = outageChanges.reduce((sum, e) => sum + e.attempts, 0);
		const maxAttempts = Math.max(...outageChanges.map((e) => e.attempts));
		const classes = [...new Set(retried.map((e) => e.error?.class))].join(',');
		const maxAtReturn = Math.max(0, ...atReturn.map((e) => e.attempts));
		console.log(
			`Dataverse down ${downSeconds.toFixed(1)} s: converged ${convergedSeconds.toFixed(1)} s after its return; ` +
				`${outageChanges.length} F&O->Dataverse changes journaled during the outage (${seen.length} had failed ${seenAfter.toFixed(0)} s into it), ` +
				`${retried.length} retried (error class ${classes}), ${attempts} attempts in all, at most ${maxAttempts} per change (${maxAtReturn} at the return)`,
		);
	}, 360_000);

	it('the reverse direction works after the outage: a Dataverse edit arrives in F&O', async () => {
		const key = customers[1];
		const row = await account(key);
		await people.dataverse.update('accounts', { accountid: String(row?.accountid) }, { name: 'Renamed after the outage' });
		const record = await eventually('F&O OrganizationName', () => customer(key), (c) => c?.OrganizationName === 'Renamed after the outage', 60_000).catch(async (error: Error) => {
			throw new Error(`${error.message}\njournal tail:\n${await journalTail()}`);
		});
		expect(record?.OrganizationName).toBe('Renamed after the outage');
		expect((await store.list({ map: MAP, status: 'failed' })).items.map(line)).toEqual([]);
	}, 90_000);
});
