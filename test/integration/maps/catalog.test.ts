/**
 * The standard map catalog (maps/*.json) against both emulators' seeded data: for every map and every direction it
 * allows, a page of the source's records is read over HTTP, mapped by lib/maps, written to the other side with the
 * connector in dependency order, and a sample is read back with its values, company and lookups resolved.
 *
 * F&O → Dataverse runs first, onto Dataverse's default seed (companies, currencies, units and a few Dataverse-only
 * parties), so most rows are created by the maps. Dataverse → F&O then reads Dataverse as it stands: the rows F&O just
 * sent plus the Dataverse-only parties. The engine's output goes to the connectors as it is: the Dataverse connector
 * resolves dotted key parts (`msdyn_company.cdm_companycode`) and dotted parts of lookup keys, and Dataverse sources are
 * read with the `$expand` that `sourceQuery` asks for. F&O sources need no `$expand` (the engine reads F&O fields only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnector, type BatchWrite, type Connector, type DataRecord, type EntityInfo, type RecordKey } from '../../../lib/connectors';
import { apply, compileMap, planPasses, readPath, sourceQuery, type CompiledMap, type MapDefinition, type MappedRecord, type SyncDirection } from '../../../lib/maps';
import { startEmulators, type Emulators } from '../../support/emulators';

const MAPS_DIR = join(__dirname, '..', '..', '..', 'maps');

/** Dependency order: referenced tables before the tables that look them up. Every catalog file must be listed. */
const ORDER = [
	'legal-entities-cdm-companies',
	'currencies-transactioncurrencies',
	'units-uoms',
	'payment-days-msdyn-paymentdays',
	'payment-schedules-msdyn-paymentschedules',
	'customer-payment-methods-msdyn-customerpaymentmethods',
	'vendor-payment-methods-msdyn-vendorpaymentmethods',
	'sales-tax-groups-msdyn-salestaxgroups',
	'vendor-groups-msdyn-vendorgroups',
	'terms-of-payment-msdyn-paymentterms',
	'customer-groups-msdyn-customergroups',
	'vendors-v2-msdyn-vendors',
	'customers-v3-accounts',
	'customers-v3-contacts',
	'cds-contacts-v2-contacts',
	'cds-released-distinct-products-products',
	'sites-msdyn-operationalsites',
	'warehouses-msdyn-warehouses',
	'cds-sales-order-headers-salesorders',
	'cds-sales-order-lines-salesorderdetails',
];

/** One "page" of source records per map: the whole (small) seed of every company. */
const PAGE = 500;

const definitions = new Map<string, MapDefinition>(
	readdirSync(MAPS_DIR)
		.filter((file) => file.endsWith('.json'))
		.map((file) => {
			const definition = JSON.parse(readFileSync(join(MAPS_DIR, file), 'utf8')) as MapDefinition;
			return [definition.id, definition];
		}),
);

/** The primary id of the row a (possibly dotted) key names; the connector reads the referenced rows itself. */
async function idOf(connector: Connector, entitySet: string, key: Record<string, unknown>): Promise<string | undefined> {
	const entity = await connector.describe(entitySet);
	const row = await connector.get(entitySet, key as RecordKey, { select: [entity.key[0]] });
	return row?.[entity.key[0]] as string | undefined;
}

/** The `_x_value` column behind a navigation property (`customerid_account` → `_customerid_value`). */
function lookupColumn(entity: EntityInfo, navigation: string): string {
	const field = entity.fields.find((f) => f.lookup && (f.lookup.navigationProperty === navigation || f.name === `_${navigation}_value`));
	if (!field) throw new Error(`${entity.name} has no lookup ${navigation}`);
	return field.name;
}

/** The engine's target as the connector's upsert: dotted key parts and lookup keys go as they are. */
function upsertOf(target: MappedRecord['target']): BatchWrite & { key: RecordKey } {
	return { operation: 'upsert', entity: target.entity, key: target.key as RecordKey, record: { ...target.record }, options: { lookups: target.lookups as Record<string, { entity: string; key: RecordKey }> } };
}

/** Values as the target stores them: F&O blanks are '' and empty dates 1900-01-01; dates compare by day. */
function sameValue(stored: unknown, mapped: unknown): boolean {
	const blank = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'string' && v.startsWith('1900-01-01'));
	if (blank(mapped) || blank(stored)) return blank(mapped) && blank(stored);
	if (typeof mapped === 'number' && typeof stored === 'number') return Math.abs(mapped - stored) < 1e-6;
	if (typeof mapped === 'string' && typeof stored === 'string' && /^\d{4}-\d{2}-\d{2}/.test(mapped)) return stored.slice(0, 10) === mapped.slice(0, 10);
	if (typeof mapped === 'string' && typeof stored === 'string') return mapped.toLowerCase() === stored.toLowerCase();
	return stored === mapped;
}

function differences(stored: DataRecord, mapped: Record<string, unknown>): string[] {
	return Object.entries(mapped)
		.filter(([name]) => !name.startsWith('_') || !name.endsWith('_value'))
		.filter(([name, value]) => !sameValue(stored[name], value))
		.map(([name, value]) => `${name}: mapped ${JSON.stringify(value)}, stored ${JSON.stringify(stored[name])}`);
}

interface Outcome {
	read: number;
	mapped: number;
	skipped: number;
	written: number;
	errors: string[];
	sample?: MappedRecord;
}

let emulators: Emulators;
let fo: Connector;
let dv: Connector;
const compiled = new Map<string, CompiledMap>();
const results: Record<string, Partial<Record<SyncDirection, Outcome>>> = {};

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 12 } });
	fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
	dv = createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: emulators.dataverse.transport });
	for (const id of ORDER) {
		const definition = definitions.get(id);
		if (!definition) continue;
		compiled.set(id, compileMap(definition, { fo: await fo.describe(definition.fo.entity), dataverse: await dv.describe(definition.dataverse.entity) }));
	}
});

afterAll(async () => {
	await emulators?.close();
});

async function readSource(system: 'fo' | 'dataverse', map: CompiledMap): Promise<DataRecord[]> {
	const definition = map.definition;
	if (system === 'fo') {
		const info = await fo.describe(definition.fo.entity);
		for await (const page of fo.readPages(definition.fo.entity, { limit: PAGE, ...(info.companySpecific && definition.company ? { crossCompany: true } : {}) })) return page;
		return [];
	}
	const query = sourceQuery(map, 'dataverse->fo');
	for await (const page of dv.readPages(query.entity, { limit: PAGE, select: query.select, expand: query.expand })) return page;
	return [];
}

/** Maps the records with one plan (pass) and writes them; pass 2 carries only the self-lookups. */
async function mapAndWrite(map: CompiledMap, direction: SyncDirection, records: DataRecord[], outcome: Outcome): Promise<void> {
	const writes: BatchWrite[] = [];
	for (const record of records) {
		const result = apply(map, direction, record);
		if (result.kind === 'skipped') continue;
		outcome.sample ??= result;
		if (direction === 'fo->dataverse') writes.push(upsertOf(result.target));
		else writes.push({ operation: 'upsert', entity: result.target.entity, key: result.target.key as RecordKey, record: { ...result.target.record } });
	}
	const connector = direction === 'fo->dataverse' ? dv : fo;
	const written = await connector.batch(writes, { batchSize: 100 });
	written.forEach((w, i) => {
		if (!w.ok) outcome.errors.push(`${JSON.stringify(writes[i].key)}: ${w.error.message}`);
	});
}

async function run(id: string, direction: SyncDirection): Promise<Outcome | undefined> {
	const map = compiled.get(id)!;
	if (!map.plans[direction]) return undefined;
	const records = await readSource(direction === 'fo->dataverse' ? 'fo' : 'dataverse', map);
	const outcome: Outcome = { read: records.length, mapped: 0, skipped: 0, written: 0, errors: [] };
	for (const record of records) {
		const result = apply(map, direction, record);
		if (result.kind === 'skipped') outcome.skipped++;
		else outcome.mapped++;
	}
	const passes = planPasses(map);
	await mapAndWrite(passes.first, direction, records, outcome);
	if (passes.second) await mapAndWrite(passes.second, direction, records, outcome);
	outcome.written = outcome.mapped - outcome.errors.length;
	(results[id] ??= {})[direction] = outcome;
	return outcome;
}

/** The mapped sample as stored in Dataverse: values, company and every lookup resolved to the referenced row. */
async function expectStoredInDataverse(sample: MappedRecord): Promise<void> {
	const key = sample.target.key as RecordKey;
	// The key's dotted parts are read back through the lookups they name.
	const navigations = [...new Set(Object.keys(key).filter((part) => part.includes('.')).map((part) => part.slice(0, part.indexOf('.'))))];
	const stored = await dv.get(sample.target.entity, key, navigations.length > 0 ? { expand: navigations.map((navigation) => ({ navigation })) } : {});
	expect(stored).toBeDefined();
	expect(differences(stored!, sample.target.record)).toEqual([]);
	const entity = await dv.describe(sample.target.entity);
	for (const [navigation, lookup] of Object.entries(sample.target.lookups)) {
		expect({ navigation, id: stored![lookupColumn(entity, navigation)] }).toEqual({ navigation, id: await idOf(dv, lookup.entity, lookup.key) });
	}
	for (const [part, value] of Object.entries(key)) {
		const dot = part.indexOf('.');
		const read = dot < 0 ? stored![part] : readPath(stored!, part.slice(0, dot), part.slice(dot + 1));
		expect({ part, stored: read }).toEqual({ part, stored: value });
	}
}

/** F&O fills these from a number sequence when a create leaves them blank (a Dataverse-only party has no party number). */
const NUMBER_SEQUENCE_FIELDS = new Set(['PartyNumber', 'VendorPartyNumber', 'ContactPersonPartyNumber', 'SalesOrderNumber']);

async function expectStoredInFo(sample: MappedRecord): Promise<void> {
	const stored = await fo.get(sample.target.entity, sample.target.key as RecordKey);
	expect(stored).toBeDefined();
	const mapped = Object.fromEntries(Object.entries(sample.target.record).filter(([name, value]) => !(NUMBER_SEQUENCE_FIELDS.has(name) && value === '')));
	expect(differences(stored!, mapped)).toEqual([]);
}

describe('standard map catalog', () => {
	it('lists every catalog file in the dependency order, and every file compiles against both emulators', () => {
		expect([...definitions.keys()].sort()).toEqual([...ORDER].sort());
		for (const [id, definition] of definitions) {
			expect(definition.version).toBe('1.0.0');
			expect(readFileSync(join(MAPS_DIR, `${id}.json`), 'utf8')).toBe(`${JSON.stringify(definition, null, 2)}\n`);
		}
		expect(compiled.size).toBe(ORDER.length);
	});

	describe('F&O → Dataverse', () => {
		for (const id of ORDER) {
			it(`${id}: maps and writes a page of F&O records with no errors, and stores the mapped values`, async () => {
				const outcome = await run(id, 'fo->dataverse');
				if (!outcome) return;
				expect(outcome.errors).toEqual([]);
				expect(outcome.read).toBeGreaterThan(0);
				expect(outcome.mapped).toBeGreaterThan(0);
				await expectStoredInDataverse(outcome.sample!);
			});
		}

		it('striped the company and resolved lookups (a customer account as Dataverse stores it)', async () => {
			const usmf = await idOf(dv, 'cdm_companies', { cdm_companycode: 'usmf' });
			const account = await dv.get('accounts', { accountnumber: 'US-000010', 'msdyn_company.cdm_companycode': 'usmf' });
			expect(account?._msdyn_company_value).toBe(usmf);
			const customer = await fo.get('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'US-000010' });
			expect(account?._msdyn_customergroupid_value).toBe(await idOf(dv, 'msdyn_customergroups', { msdyn_groupid: customer!.CustomerGroupId, 'msdyn_company.cdm_companycode': 'usmf' }));
			expect(account?._transactioncurrencyid_value).toBe(await idOf(dv, 'transactioncurrencies', { isocurrencycode: customer!.SalesCurrencyCode }));
			// Self-reference written in the second pass: every tenth customer is invoiced to an earlier organisation.
			expect(customer!.InvoiceAccount).not.toBe('');
			expect(account?._msdyn_billingaccount_value).toBe(await idOf(dv, 'accounts', { accountnumber: customer!.InvoiceAccount, 'msdyn_company.cdm_companycode': 'usmf' }));
		});
	});

	describe('Dataverse → F&O', () => {
		beforeAll(async () => {
			// The Dataverse-only demo parties have no customer group, which F&O requires: a user would pick one.
			const company = { 'msdyn_company.cdm_companycode': 'usmf' };
			const group = { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', ...company } };
			for (const number of ['C-000001', 'C-000002', 'C-000003']) await dv.update('accounts', { accountnumber: number, ...company }, {}, { lookups: { msdyn_customergroupid: group } });
			for (const number of ['CP-000001', 'CP-000002']) await dv.update('contacts', { msdyn_contactpersonid: number, ...company }, {}, { lookups: { msdyn_customergroupid: group } });
		});

		for (const id of ORDER) {
			it(`${id}: maps and writes a page of Dataverse records with no errors, and stores the mapped values`, async () => {
				const outcome = await run(id, 'dataverse->fo');
				if (!outcome) return;
				expect(outcome.errors).toEqual([]);
				expect(outcome.read).toBeGreaterThan(0);
				expect(outcome.mapped).toBeGreaterThan(0);
				await expectStoredInFo(outcome.sample!);
			});
		}

		it('created the Dataverse-only account in F&O with its company and customer group', async () => {
			const customer = await fo.get('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'C-000001' });
			expect(customer).toMatchObject({ dataAreaId: 'usmf', OrganizationName: "O'Brien Café & Bäckerei", CustomerGroupId: '10', PartyType: 'Organization', SalesCurrencyCode: 'USD' });
		});
	});

	afterAll(() => {
		const lines = Object.entries(results).map(([id, byDirection]) =>
			Object.entries(byDirection)
				.map(([direction, o]) => `${id} ${direction}: read ${o!.read}, mapped ${o!.mapped}, skipped ${o!.skipped}, errors ${o!.errors.length}`)
				.join('\n'),
		);
		if (process.env.CATALOG_REPORT) console.log(lines.join('\n'));
	});
});
