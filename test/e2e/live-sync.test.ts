import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { USER_APP } from '../../emulators/common/directory';
import { startEmulators, type RunningEmulators } from '../../emulators';
import type { DataRecord } from '../../lib/connectors';
import { defaultStateFile, openSqliteStateStore, type StateStore } from '../../lib/state';
import { emulatorCredentials } from '../../scripts/emulatorCredentials';
import { templateFile } from '../../scripts/generate-templates';
import { emulatorConnectors, initialCopy, type EmulatorConnectors } from '../../scripts/initialCopy';
import { startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n/instance';

/**
 * Live sync in a real n8n, both directions, through the generated live templates of customers V3 <-> accounts
 * (Dual-Write Trigger polling the source -> Dual-Write Map -> Upsert in dual-write mode), after the simple initial
 * copy. People's edits are made over HTTP as the emulators' user app (not the integration app n8n writes as), and
 * the tests wait for the other side to show them.
 */
const MAP = 'customers-v3-accounts';
const TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');
const live = (direction: 'fo->dataverse' | 'dataverse->fo') =>
	JSON.parse(readFileSync(path.join(TEMPLATES, templateFile(MAP, direction, 'live')), 'utf8')) as WorkflowJson;

async function eventually<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: T = await read();
	while (!accept(last)) {
		if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last value ${JSON.stringify(last)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
		last = await read();
	}
	return last;
}

describe('real n8n: live sync of customers V3 <-> accounts', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	let people: EmulatorConnectors;
	let store: StateStore;
	const workflows = [live('fo->dataverse'), live('dataverse->fo')];
	let FO_KEY: { dataAreaId: string; CustomerAccount: string };
	let SECOND_KEY: { dataAreaId: string; CustomerAccount: string };

	const account = async (key: { CustomerAccount: string; dataAreaId: string }) =>
		await people.dataverse.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId });
	const customer = async (key: { CustomerAccount: string; dataAreaId: string }) => await people.fo.get('CustomersV3', key);

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 5 } });
		people = emulatorConnectors(emulators, USER_APP);
		const userFolder = mkdtempSync(path.join(tmpdir(), 'dw-live-n8n-'));
		const reports = await initialCopy(emulators, userFolder);
		expect([...reports.values()].flatMap((report) => report.failed)).toEqual([]);
		const organisations: DataRecord[] = [];
		for await (const page of people.fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'] })) organisations.push(...page);
		[FO_KEY, SECOND_KEY] = organisations.map((r) => ({ dataAreaId: 'usmf', CustomerAccount: String(r.CustomerAccount) }));
		expect(await account(FO_KEY)).toBeDefined();
		// Both live workflows active; their triggers take the sources' current positions as the baseline.
		n8n = await startN8n({ userFolder, credentials: emulatorCredentials(emulators), workflows, publish: workflows.map((w) => w.id) });
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
		expect(await journaled()).toBe(before);
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

	it('a record deleted in Dataverse is deleted in F&O', async () => {
		const row = await account(SECOND_KEY);
		await people.dataverse.delete('accounts', { accountid: String(row?.accountid) });
		await eventually('F&O customer gone', () => customer(SECOND_KEY), (c) => c === undefined);
		// The delete of our own write came back as an F&O change? F&O polling has no deletes; Dataverse's echo is skipped.
		const skipped = await store.list({ map: MAP, status: 'failed' });
		expect(skipped.items.map((entry) => entry.error?.message)).toEqual([]);
	}, 60_000);
});
