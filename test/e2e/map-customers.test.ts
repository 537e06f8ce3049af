import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulators, type RunningEmulators } from '../../emulators';
import { dependencyOrder, loadCatalog } from '../../lib/maps';
import { templateFile } from '../../scripts/generate-templates';
import { startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n/instance';
import { emulatorCredentials } from '../../scripts/emulatorCredentials';

/**
 * The generated templates in a real n8n, installed from the packed package: the prerequisite maps and then
 * customers-v3-accounts, F&O -> Dataverse, each as its committed workflow (Manual Trigger -> F&O Get Many ->
 * Dual-Write Map -> Dataverse Upsert in dual-write mode). A Manual Trigger cannot be started by HTTP, so each
 * workflow runs through `n8n execute --id` with the server stopped (test/support/n8n/instance.ts `execute`).
 */
const CUSTOMERS = 'customers-v3-accounts';
const MAPS = [
	'legal-entities-cdm-companies',
	'currencies-transactioncurrencies',
	'payment-days-msdyn-paymentdays',
	'payment-schedules-msdyn-paymentschedules',
	'customer-payment-methods-msdyn-customerpaymentmethods',
	'sales-tax-groups-msdyn-salestaxgroups',
	'terms-of-payment-msdyn-paymentterms',
	'customer-groups-msdyn-customergroups',
	CUSTOMERS,
];
const TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');

describe('real n8n: generated template customers-v3-accounts (F&O -> Dataverse)', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	// Dependency order from the catalog itself, so that lookups (company, group, terms) resolve.
	const order = dependencyOrder(loadCatalog().filter((map) => MAPS.includes(map.id))).order;
	const workflows = order.map((id) => JSON.parse(readFileSync(path.join(TEMPLATES, templateFile(id, 'fo->dataverse', 'initial')), 'utf8')) as WorkflowJson);

	const token = async (resource: string): Promise<string> => {
		const response = await fetch(emulators.token.tokenUrl, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: emulators.userApp.clientId,
				client_secret: emulators.userApp.clientSecret,
				scope: `${resource}/.default`,
			}),
		});
		return ((await response.json()) as { access_token: string }).access_token;
	};

	/** Every row of a collection, following nextLink. */
	const readAll = async (base: string, url: string): Promise<Array<Record<string, unknown>>> => {
		const rows: Array<Record<string, unknown>> = [];
		const bearer = await token(base);
		for (let next: string | undefined = url; next; ) {
			const response = await fetch(next, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
			expect(response.status).toBe(200);
			const body = (await response.json()) as { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string };
			rows.push(...body.value);
			next = body['@odata.nextLink'];
		}
		return rows;
	};
	const dataverse = (query: string) => readAll(emulators.dataverse.url, `${emulators.dataverse.url}/api/data/v9.2/${query}`);
	const fo = (query: string) => readAll(emulators.fo.url, `${emulators.fo.url}/data/${query}`);

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 5 } });
		n8n = await startN8n({
			// Under the ids the templates reference.
			credentials: emulatorCredentials(emulators),
			workflows,
		});
		await n8n.stop();
	}, 600_000);

	afterAll(async () => {
		await n8n?.dispose();
		await emulators?.close();
	}, 60_000);

	it('runs the maps in dependency order and leaves every organisation customer in Dataverse with its lookups', async () => {
		expect(order.indexOf(CUSTOMERS)).toBe(order.length - 1);
		expect(order.indexOf('customer-groups-msdyn-customergroups')).toBeLessThan(order.indexOf(CUSTOMERS));
		type Run = { data?: { resultData?: { error?: unknown; runData?: Record<string, Array<{ data?: { main?: Array<Array<{ json: { dualWrite?: { result?: { outcome?: string } } } }>> } }>> } } };
		let last: Run = {};
		for (const workflow of workflows) {
			last = (await n8n.execute(workflow.id)) as Run;
			expect(last.data?.resultData?.error).toBeUndefined();
		}
		// The Upsert node reported each write in the envelope it passed on.
		const written = last.data?.resultData?.runData?.['Upsert accounts']?.[0]?.data?.main?.[0] ?? [];
		expect(written.length).toBeGreaterThan(0);
		expect(written.every((item) => ['created', 'updated'].includes(item.json.dualWrite?.result?.outcome ?? ''))).toBe(true);

		const customers = (await fo('CustomersV3?cross-company=true&$select=dataAreaId,CustomerAccount,PartyType,CustomerGroupId')).filter(
			(customer) => customer.PartyType === 'Organization',
		);
		expect(customers.length).toBeGreaterThan(0);
		const companies = new Map(
			(await dataverse('cdm_companies?$select=cdm_companyid,cdm_companycode')).map((c) => [String(c.cdm_companycode).toLowerCase(), String(c.cdm_companyid)]),
		);
		const accounts = await dataverse('accounts?$select=accountnumber,_msdyn_company_value,_msdyn_customergroupid_value,customertypecode');
		const byKey = new Map(accounts.map((a) => [`${a._msdyn_company_value}|${a.accountnumber}`, a]));
		const mapped = customers.map((c) => byKey.get(`${companies.get(String(c.dataAreaId).toLowerCase())}|${c.CustomerAccount}`));
		expect(mapped.filter((account) => account === undefined)).toHaveLength(0);
		expect(new Set(mapped).size).toBe(customers.length);

		const groups = new Map(
			(await dataverse('msdyn_customergroups?$select=msdyn_customergroupid,msdyn_groupid,_msdyn_company_value')).map((g) => [`${g._msdyn_company_value}|${g.msdyn_groupid}`, g.msdyn_customergroupid]),
		);
		const sample = customers.find((c) => c.CustomerGroupId)!;
		const companyId = companies.get(String(sample.dataAreaId).toLowerCase());
		expect(companyId).toBeDefined();
		const account = byKey.get(`${companyId}|${sample.CustomerAccount}`)!;
		expect(account._msdyn_company_value).toBe(companyId);
		expect(account.customertypecode).toBe(3);
		expect(account._msdyn_customergroupid_value).toBe(groups.get(`${companyId}|${sample.CustomerGroupId}`));
		expect(account._msdyn_customergroupid_value).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
	}, 600_000);
});
