import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { USER_APP } from '../../emulators/common/directory';
import { startEmulators, type RunningEmulators } from '../../emulators';
import type { DataRecord } from '../../lib/connectors';
import { defaultStateFile, openSqliteStateStore, type StateStore } from '../../lib/state';
import { emulatorCredentials } from '../../scripts/emulatorCredentials';
import { stableUuid } from '../../scripts/generate-templates';
import { failureSamples } from '../../lib/sync';
import { emulatorConnectors, initialCopy, type EmulatorConnectors } from '../../scripts/initialCopy';
import { eventually } from '../support/eventually';
import { startN8n, type N8nInstance } from '../support/n8n/instance';
import { liveTemplate, withFoEvents } from '../support/n8n/liveWorkflows';

/**
 * Live sync in a real n8n, both directions, through the generated live templates of customers V3 <-> accounts
 * (Dual-Write Trigger polling the source -> Dual-Write Map -> Upsert in dual-write mode), after the simple initial
 * copy. People's edits are made over HTTP as the emulators' user app (not the integration app n8n writes as), and
 * the tests wait for the other side to show them.
 */
const MAP = 'customers-v3-accounts';


/** Records what the F&O emulator delivers to it, for replaying a delivery late. */
async function recorder(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
	const bodies: string[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			bodies.push(Buffer.concat(chunks).toString('utf8'));
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as { port: number };
	return { url: `http://127.0.0.1:${address.port}/events`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function admin<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
	const response = await fetch(`${base}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${route} -> ${response.status} ${text}`);
	return (text ? JSON.parse(text) : undefined) as T;
}


describe('real n8n: live sync of customers V3 <-> accounts', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	let people: EmulatorConnectors;
	let store: StateStore;
	const workflows = [withFoEvents(liveTemplate(MAP, 'fo->dataverse'), MAP, 'CustomersV3', 'live-sync'), liveTemplate(MAP, 'dataverse->fo')];
	let FO_KEY: { dataAreaId: string; CustomerAccount: string };
	let SECOND_KEY: { dataAreaId: string; CustomerAccount: string };

	/** The newest journal entries, for failure messages. */
	const journalTail = async (n = 12) => {
		const entries = (await store.list({ map: MAP, limit: n })).items.map(
			(e) =>
				`#${e.id} ${e.direction} ${e.change} ${JSON.stringify(e.source.key)} ev=${e.source.eventId} ${e.status}${e.decision ? `/${e.decision}` : ''} attempts=${e.attempts} ${e.detail ?? ''} ${e.error?.message ?? ''}`,
		);
		const activity = (await store.listActivity({ map: MAP, limit: 5 })).items.map((a) => `${a.event} ${JSON.stringify(a.detail)}`);
		const executions = await Promise.all(workflows.map(async (w) => (await n8n.executions(w.id)).map((x) => x.status).join(',')));
		return [...entries, `counts ${JSON.stringify(await store.counts(MAP))}`, ...activity, `executions ${executions.join(' | ')}`].join('\n');
	};
	const account = async (key: { CustomerAccount: string; dataAreaId: string }) =>
		await people.dataverse.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId });
	const customer = async (key: { CustomerAccount: string; dataAreaId: string }) => await people.fo.get('CustomersV3', key);

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 5 } });
		people = emulatorConnectors(emulators, USER_APP);
		const userFolder = mkdtempSync(path.join(tmpdir(), 'dw-live-n8n-'));
		const reports = await initialCopy(emulators, userFolder);
		expect([...reports.values()].flatMap(failureSamples)).toEqual([]);
		const organisations: DataRecord[] = [];
		for await (const page of people.fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'] })) organisations.push(...page);
		[FO_KEY, SECOND_KEY] = organisations.map((r) => ({ dataAreaId: 'usmf', CustomerAccount: String(r.CustomerAccount) }));
		expect(await account(FO_KEY)).toBeDefined();
		// Both live workflows active; their triggers take the sources' current positions as the baseline.
		n8n = await startN8n({ userFolder, keep: process.env.DW_KEEP === '1', credentials: emulatorCredentials(emulators), workflows, publish: workflows.map((w) => w.id) });
		store = await openSqliteStateStore({ file: defaultStateFile(n8n.userFolder) });
		await eventually('both triggers have a baseline', async () => [await store.getCursor(`capture:${MAP}:fo->dataverse`), await store.getCursor(`capture:${MAP}:dataverse->fo`)], (c) => c.every(Boolean));
	}, 600_000);

	afterAll(async () => {
		await store?.close();
		await n8n?.dispose();
		people?.close();
		await emulators?.close();
	}, 60_000);

	it('an F&O edit appears in Dataverse', async () => {
		await people.fo.update('CustomersV3', FO_KEY, { SalesMemo: 'edited in F&O' });
		const row = await eventually('Dataverse account description', () => account(FO_KEY), (a) => a?.description === 'edited in F&O');
		expect(row?.description).toBe('edited in F&O');
	}, 60_000);

	it('a Dataverse edit appears in F&O', async () => {
		const row = await account(FO_KEY);
		await people.dataverse.update('accounts', { accountid: String(row?.accountid) }, { name: 'Renamed in Dataverse' });
		const record = await eventually('F&O OrganizationName', () => customer(FO_KEY), (c) => c?.OrganizationName === 'Renamed in Dataverse');
		expect(record?.OrganizationName).toBe('Renamed in Dataverse');
	}, 60_000);

	it('edits of different fields on both sides at once both survive, and then nothing more is written', async () => {
		const row = await account(FO_KEY);
		await Promise.all([
			people.fo.update('CustomersV3', FO_KEY, { SalesMemo: 'memo from F&O' }),
			people.dataverse.update('accounts', { accountid: String(row?.accountid) }, { name: 'name from Dataverse' }),
		]);
		await eventually('F&O has both edits', () => customer(FO_KEY), (c) => c?.OrganizationName === 'name from Dataverse' && c?.SalesMemo === 'memo from F&O');
		await eventually('Dataverse has both edits', () => account(FO_KEY), (a) => a?.name === 'name from Dataverse' && a?.description === 'memo from F&O');
		// No ping-pong: once converged, a few more polling rounds write nothing.
		const journaled = async () => (await store.counts(MAP)).done;
		const before = await journaled();
		await new Promise((resolve) => setTimeout(resolve, 6_000));
		const after = await journaled();
		expect({ done: after, tail: '' }).toEqual({ done: before, tail: after === before ? '' : await journalTail() });
	}, 90_000);

	it('a record created in F&O is created in Dataverse', async () => {
		const template = await customer(SECOND_KEY);
		const created = { ...template, CustomerAccount: 'US-LIVE-1', OrganizationName: 'Created Live Ltd' } as DataRecord;
		delete created['@odata.etag'];
		delete created.ModifiedDateTime;
		await people.fo.create('CustomersV3', created);
		const row = await eventually('new account in Dataverse', () => account({ dataAreaId: 'usmf', CustomerAccount: 'US-LIVE-1' }), (a) => a !== undefined);
		expect(row?.name).toBe('Created Live Ltd');
	}, 60_000);

	it('an account created in Dataverse is created in F&O', async () => {
		await people.dataverse.create(
			'accounts',
			{ accountnumber: 'DV-LIVE-1', name: 'Created in Dataverse', customertypecode: 3 },
			{
				lookups: {
					msdyn_company: { entity: 'cdm_companies', key: { cdm_companycode: 'usmf' } },
					msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', 'msdyn_company.cdm_companycode': 'usmf' } },
					transactioncurrencyid: { entity: 'transactioncurrencies', key: { isocurrencycode: 'USD' } },
				},
			},
		);
		const record = await eventually('new customer in F&O', () => customer({ dataAreaId: 'usmf', CustomerAccount: 'DV-LIVE-1' }), (c) => c !== undefined);
		expect(record).toMatchObject({ OrganizationName: 'Created in Dataverse', CustomerGroupId: '10', SalesCurrencyCode: 'USD' });
		// The party number F&O gave it comes back to Dataverse.
		await eventually('party number in Dataverse', () => account({ dataAreaId: 'usmf', CustomerAccount: 'DV-LIVE-1' }), (a) => a?.msdyn_partynumber === record?.PartyNumber);
	}, 60_000);

	it('a record deleted in Dataverse is deleted in F&O', async () => {
		const row = await account(SECOND_KEY);
		await people.dataverse.delete('accounts', { accountid: String(row?.accountid) });
		await eventually('F&O customer gone', () => customer(SECOND_KEY), (c) => c === undefined);
		const failed = await store.list({ map: MAP, status: 'failed' });
		expect(failed.items.map((entry) => entry.error?.message)).toEqual([]);
	}, 60_000);

	it('a record deleted in F&O is deleted in Dataverse (data event journaled by the F&O webhook trigger)', async () => {
		const key = { dataAreaId: 'usmf', CustomerAccount: 'US-LIVE-1' };
		expect(await account(key)).toBeDefined();
		await people.fo.delete('CustomersV3', key);
		await eventually('Dataverse account gone', () => account(key), (a) => a === undefined);
		const deletes = await store.list({ map: MAP, key, status: ['done', 'skipped'] });
		const done = deletes.items.some((entry) => entry.change === 'delete' && entry.direction === 'fo->dataverse' && entry.status === 'done');
		expect({ done, tail: done ? '' : await journalTail() }).toEqual({ done: true, tail: '' });
	}, 60_000);

	it('duplicated and out-of-order webhook deliveries are harmless', async () => {
		const endpoints = (await admin<{ value: Array<{ url: string; headers: Record<string, string> }> }>(emulators.fo.url, 'GET', '/_emulator/events/endpoints')).value;
		const ours = endpoints.find((endpoint) => endpoint.url.includes(stableUuid('e2e', 'live-sync', 'fo-events')));
		expect(ours).toBeDefined();
		// Every change now reaches n8n twice more (business-event format, same ControlNumber), and a copy reaches a
		// recorder the test replays from.
		const twin = await admin<{ id: string }>(emulators.fo.url, 'POST', '/_emulator/events/endpoints', { entity: 'CustomersV3', url: ours!.url, format: 'businessEvent', headers: ours!.headers });
		const tape = await recorder();
		const taped = await admin<{ id: string }>(emulators.fo.url, 'POST', '/_emulator/events/endpoints', { entity: 'CustomersV3', url: tape.url, format: 'dataEvent', messages: ['Update'] });
		try {
			await people.fo.update('CustomersV3', FO_KEY, { SalesMemo: 'first of two' });
			await eventually('the first update is taped', async () => tape.bodies.length, (n) => n >= 1);
			await people.fo.update('CustomersV3', FO_KEY, { SalesMemo: 'second of two' });
			await eventually('Dataverse shows the second update', () => account(FO_KEY), (a) => a?.description === 'second of two');
			// The first update's delivery again, late and out of order, straight to n8n's webhook with the secret.
			const replay = await fetch(ours!.url, { method: 'POST', headers: { 'content-type': 'application/json', ...ours!.headers }, body: tape.bodies[0] });
			expect(replay.status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 5_000));
			expect((await account(FO_KEY))?.description).toBe('second of two');
			// Each F&O change was journaled once per ControlNumber however many times it was delivered.
			const changes = (await store.list({ map: MAP, key: FO_KEY, limit: 1000 })).items.filter((entry) => /^\d+$/.test(entry.source.eventId ?? ''));
			const byEvent = new Map<string, number>();
			for (const entry of changes) byEvent.set(entry.source.eventId as string, (byEvent.get(entry.source.eventId as string) ?? 0) + 1);
			expect([...byEvent.values()].every((count) => count === 1)).toBe(true);
		} finally {
			await admin(emulators.fo.url, 'DELETE', `/_emulator/events/endpoints/${twin.id}`);
			await admin(emulators.fo.url, 'DELETE', `/_emulator/events/endpoints/${taped.id}`);
			await tape.close();
		}
	}, 90_000);

	it('500 random edits across both sides converge: nothing lost, no duplicates, bounded writes', async () => {
		const keys: Array<{ dataAreaId: string; CustomerAccount: string }> = [];
		for await (const page of people.fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['dataAreaId', 'CustomerAccount'] })) {
			keys.push(...page.map((r) => ({ dataAreaId: String(r.dataAreaId), CustomerAccount: String(r.CustomerAccount) })));
		}
		const records = keys.filter((k) => k.CustomerAccount !== SECOND_KEY.CustomerAccount).slice(0, 10);
		const ids = new Map<string, string>();
		for (const key of records) ids.set(key.CustomerAccount + key.dataAreaId, String((await account(key))?.accountid));
		const doneBefore = (await store.counts(MAP)).done;
		// F&O people edit the memo and the credit limit, Dataverse people the name: the last value of each field is
		// the one both sides must end with (no same-field conflicts, so no edit may be lost to a policy).
		const last = new Map<string, { memo?: string; credit?: number; name?: string }>();
		let seed = 42;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const started = Date.now();
		for (let edit = 0; edit < 500; edit += 10) {
			await Promise.all(
				Array.from({ length: 10 }, async (_unused, offset) => {
					const n = edit + offset;
					const key = records[Math.floor(random() * records.length)];
					const id = key.CustomerAccount + key.dataAreaId;
					const state = last.get(id) ?? {};
					last.set(id, state);
					const kind = random();
					if (kind < 0.4) {
						state.memo = `memo ${n}`;
						await people.fo.update('CustomersV3', key, { SalesMemo: state.memo });
					} else if (kind < 0.6) {
						state.credit = 1000 + n;
						await people.fo.update('CustomersV3', key, { CreditLimit: state.credit });
					} else {
						state.name = `name ${n}`;
						await people.dataverse.update('accounts', { accountid: ids.get(id) as string }, { name: state.name });
					}
				}),
			);
		}
		const editSeconds = (Date.now() - started) / 1000;
		/** What differs from the last edits, e.g. `usmf/US-000004 memo: want "memo 12", F&O "memo 12", Dataverse "memo 3"`. */
		const differences = async () => {
			const out: string[] = [];
			for (const key of records) {
				const want = last.get(key.CustomerAccount + key.dataAreaId);
				if (!want) continue;
				const [c, a] = [await customer(key), await account(key)];
				const check = (field: string, wanted: unknown, fo: unknown, dv: unknown) => {
					if (wanted !== undefined && (fo !== wanted || dv !== wanted)) out.push(`${key.dataAreaId}/${key.CustomerAccount} ${field}: want ${JSON.stringify(wanted)}, F&O ${JSON.stringify(fo)}, Dataverse ${JSON.stringify(dv)}`);
				};
				check('memo', want.memo, c?.SalesMemo, a?.description);
				check('credit', want.credit, c === undefined ? undefined : Number(c.CreditLimit), a === undefined ? undefined : Number(a.creditlimit));
				check('name', want.name, c?.OrganizationName, a?.name);
			}
			return out;
		};
		const converged = async () => (await differences()).length === 0;
		await eventually('both sides hold every last edit', differences, (d) => d.length === 0, 120_000).catch(async (error: Error) => {
			throw new Error(`${error.message}\njournal tail: ${await journalTail()}`);
		});
		const convergedSeconds = (Date.now() - started) / 1000;
		// Quiet for a few polling rounds: nothing more is written (no ping-pong).
		const doneAtConvergence = (await store.counts(MAP)).done;
		await new Promise((resolve) => setTimeout(resolve, 6_000));
		expect({ done: (await store.counts(MAP)).done, tail: '' }).toEqual({ done: doneAtConvergence, tail: (await store.counts(MAP)).done === doneAtConvergence ? '' : await journalTail() });
		expect(await converged()).toBe(true);
		// No duplicates: still one account per customer, and no account F&O does not have.
		const accounts: DataRecord[] = [];
		for await (const page of people.dataverse.readPages('accounts', { select: ['accountnumber', '_msdyn_company_value'] })) accounts.push(...page);
		const perKey = new Map<string, number>();
		for (const a of accounts) perKey.set(`${a._msdyn_company_value}|${a.accountnumber}`, (perKey.get(`${a._msdyn_company_value}|${a.accountnumber}`) ?? 0) + 1);
		expect([...perKey.values()].filter((count) => count > 1)).toEqual([]);
		expect((await store.list({ map: MAP, status: 'failed' })).items).toEqual([]);
		const writes = doneAtConvergence - doneBefore;
		console.log(`500 edits in ${editSeconds.toFixed(1)} s, converged after ${convergedSeconds.toFixed(1)} s; ${writes} changes written (${(writes / 500).toFixed(2)} per edit)`);
		// Batches fold repeated edits of a record; echoes and no-change repeats write nothing.
		expect(writes).toBeLessThanOrEqual(500);
	}, 240_000);
});
