import { createHash } from 'node:crypto';
import { APPS } from '../common/directory';
import { generateWorld, type World, type WorldOptions } from '../common/world';
import { BUSINESS_UNIT_ID, type Engine } from './engine';
import { Tx, type LookupValue, type Row } from './store';
import { isoSeconds } from './values';

/**
 * Initial rows. Always: application users, SDK messages and message filters (what webhook registration
 * binds to). Business data is projected from the shared world (common/world.ts): by default the legal
 * entities, currencies and units, plus a few accounts/contacts that exist only in Dataverse, so that both
 * sync directions have work at start. `project` adds more of the world (groups, terms, customers, ...).
 */
export type Projection = 'customerGroups' | 'paymentTerms' | 'customers' | 'vendors' | 'products';

export interface SeedOptions {
	world?: WorldOptions;
	project?: Projection[];
	/** Dataverse-only demo accounts and contacts (default true). */
	ownParties?: boolean;
}

/** Name-based (v5-style) GUIDs: the same seed gives the same ids in every run, which demos and tests rely on. */
export function stableGuid(...parts: string[]): string {
	const h = createHash('sha1').update(parts.join('\u0001')).digest();
	h[6] = (h[6] & 0x0f) | 0x50;
	h[8] = (h[8] & 0x3f) | 0x80;
	const x = h.subarray(0, 16).toString('hex');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * SDK message ids. Dataverse uses fixed ids for these in every organisation; clients should still look
 * them up by name (`sdkmessages?$filter=name eq 'Create'`), as our values are not verified against one.
 */
export const SDK_MESSAGES: Record<string, string> = {
	Create: '9ebdbb1b-ea3e-db11-86a7-000a3a5473e8',
	Update: '20bebb1b-ea3e-db11-86a7-000a3a5473e8',
	Delete: '1ebebb1b-ea3e-db11-86a7-000a3a5473e8',
};

const SYSTEM_TABLES = new Set(['systemuser', 'sdkmessage', 'sdkmessagefilter', 'sdkmessageprocessingstep', 'sdkmessageprocessingstepimage', 'serviceendpoint', 'plugintype']);

export const filterIdFor = (message: string, logicalName: string) => stableGuid('sdkmessagefilter', message, logicalName);

const ONHOLD: Record<string, number> = { No: 192350000, Invoice: 192350001, All: 192350002 };
/** msdyn_paymentmethodtype, in F&O PaymMode order (the terms-of-payment map's value map). */
const PAYMENT_METHOD_TYPE: Record<string, number> = { Net: 192350000, CurrentMonth: 192350001, COD: 192350005 };

/** The named setup tables and the world list each is projected from. */
const SETUP_TABLES: Array<[logicalName: string, kind: 'paymentDays' | 'paymentSchedules' | 'customerPaymentMethods' | 'vendorPaymentMethods' | 'salesTaxGroups' | 'vendorGroups', nameColumn: string]> = [
	['msdyn_paymentday', 'paymentDays', 'msdyn_name'],
	['msdyn_paymentschedule', 'paymentSchedules', 'msdyn_name'],
	['msdyn_customerpaymentmethod', 'customerPaymentMethods', 'msdyn_name'],
	['msdyn_vendorpaymentmethod', 'vendorPaymentMethods', 'msdyn_name'],
	['msdyn_salestaxgroup', 'salesTaxGroups', 'msdyn_name'],
	['msdyn_vendorgroup', 'vendorGroups', 'msdyn_vendorgroup'],
];

class Seeder {
	private readonly tx = new Tx();
	private readonly now = isoSeconds(Date.now());
	constructor(private readonly engine: Engine) {}

	put(logicalName: string, id: string, values: Row): LookupValue {
		const table = this.engine.schema.table(logicalName);
		const store = this.engine.store.of(logicalName);
		const row: Row = {};
		for (const col of table.defaults) row[col.name] = col.default;
		for (const k in values) if (values[k] !== null && values[k] !== undefined) row[k] = values[k];
		const system: LookupValue = { id: APPS[0].objectId, table: 'systemuser' };
		Object.assign(row, { [table.def.primaryId]: id, createdon: this.now, modifiedon: this.now, createdby: system, modifiedby: system, versionnumber: this.engine.store.nextVersion() });
		for (const col of table.derived) row[col.name] = (col.derivedFrom ?? []).map((c) => row[c]).filter(Boolean).join(' ') || null;
		store.insert(this.tx, id, row);
		return { id, table: logicalName };
	}

	done(): void {
		this.tx.commit();
	}
}

export function seed(engine: Engine, options: SeedOptions | false): void {
	const s = new Seeder(engine);
	for (const app of APPS) {
		s.put('systemuser', app.objectId, {
			fullname: `# ${app.displayName}`,
			domainname: `${app.clientId}@emulator`,
			applicationid: app.clientId,
			azureactivedirectoryobjectid: app.objectId,
			businessunitid: BUSINESS_UNIT_ID,
			isdisabled: false,
		});
	}
	for (const [name, id] of Object.entries(SDK_MESSAGES)) s.put('sdkmessage', id, { name, categoryname: 'Standard' });
	for (const t of engine.schema.byLogical.values()) {
		if (SYSTEM_TABLES.has(t.def.logicalName)) continue;
		for (const message of ['Create', 'Update', 'Delete']) {
			s.put('sdkmessagefilter', filterIdFor(message, t.def.logicalName), {
				name: `${message} ${t.def.logicalName}`,
				sdkmessageid: { id: SDK_MESSAGES[message], table: 'sdkmessage' },
				primaryobjecttypecode: t.def.logicalName,
				secondaryobjecttypecode: 'none',
				iscustomprocessingstepallowed: true,
			});
		}
	}
	if (options === false) return s.done();
	const world = generateWorld(options.world ?? {});
	projectWorld(s, world, new Set(options.project ?? []), options.ownParties ?? true);
	s.done();
}

function projectWorld(s: Seeder, world: World, project: Set<Projection>, ownParties: boolean): void {
	const companies = new Map<string, LookupValue>();
	for (const c of world.companies) companies.set(c.id, s.put('cdm_company', stableGuid('cdm_company', c.id), { cdm_companycode: c.id, cdm_name: c.name }));
	const currencies = new Map<string, LookupValue>();
	for (const c of world.currencies) {
		currencies.set(
			c.code,
			s.put('transactioncurrency', stableGuid('transactioncurrency', c.code), { isocurrencycode: c.code, currencyname: c.name, currencysymbol: c.symbol, exchangerate: 1, currencyprecision: 2 }),
		);
	}
	for (const u of world.units) {
		s.put('uom', stableGuid('uom', u.symbol), {
			name: u.symbol,
			msdyn_symbol: u.symbol,
			msdyn_description: u.description,
			msdyn_externalunitclassname: u.unitClass,
			msdyn_decimalprecision: u.decimals,
			quantity: 1,
		});
	}
	// Named setup rows (payment days, schedules, methods, tax groups, vendor groups), keyed `<table>|<company>|<name>`.
	const setup = new Map<string, LookupValue>();
	const named = (table: string, company: string, name: string): LookupValue | null => (name ? (setup.get(`${table}|${company}|${name}`) ?? null) : null);
	if (project.size > 0) {
		for (const [table, kind, nameColumn] of SETUP_TABLES) {
			for (const row of world[kind]) {
				setup.set(
					`${table}|${row.company}|${row.name}`,
					s.put(table, stableGuid(table, row.company, row.name), { [nameColumn]: row.name, msdyn_description: row.description, msdyn_company: companies.get(row.company) ?? null }),
				);
			}
		}
	}
	const terms = new Map<string, LookupValue>();
	if (project.has('paymentTerms') || project.has('customerGroups') || project.has('customers') || project.has('vendors')) {
		for (const t of world.paymentTerms) {
			terms.set(
				`${t.company}|${t.name}`,
				s.put('msdyn_paymentterm', stableGuid('msdyn_paymentterm', t.company, t.name), {
					msdyn_name: t.name,
					msdyn_description: t.description,
					msdyn_days: t.days,
					msdyn_numberofmonth: t.months,
					msdyn_cutoffdayofmonth: t.cutOffDayOfMonth,
					msdyn_iscashpayment: t.isCash,
					msdyn_isdefaultpaymentterm: t.isDefault,
					msdyn_paymentmethodtype: PAYMENT_METHOD_TYPE[t.months > 0 ? 'CurrentMonth' : t.isCash ? 'COD' : 'Net'],
					msdyn_paymentdayname: named('msdyn_paymentday', t.company, t.paymentDay),
					msdyn_company: companies.get(t.company) ?? null,
				}),
			);
		}
	}
	const groups = new Map<string, LookupValue>();
	if (project.has('customerGroups') || project.has('customers')) {
		for (const g of world.customerGroups) {
			groups.set(
				`${g.company}|${g.id}`,
				s.put('msdyn_customergroup', stableGuid('msdyn_customergroup', g.company, g.id), {
					msdyn_groupid: g.id,
					msdyn_description: g.description,
					msdyn_issalestaxincludedinprice: g.salesTaxIncludedInPrice,
					msdyn_paymenttermid: terms.get(`${g.company}|${g.paymentTermId}`) ?? null,
					msdyn_company: companies.get(g.company) ?? null,
				}),
			);
		}
	}
	if (project.has('customers')) {
		for (const c of world.customers) {
			const common = {
				msdyn_company: companies.get(c.company) ?? null,
				transactioncurrencyid: currencies.get(c.currency) ?? null,
				msdyn_customergroupid: groups.get(`${c.company}|${c.group}`) ?? null,
				creditlimit: c.creditLimit,
				msdyn_onholdstatus: ONHOLD[c.onHold],
				emailaddress1: c.email,
				telephone1: c.phone,
				address1_line1: c.address.street,
				address1_city: c.address.city,
				address1_postalcode: c.address.zip,
				address1_stateorprovince: c.address.state || null,
				address1_country: c.address.country,
				description: c.salesMemo || null,
				msdyn_partynumber: c.partyNumber,
				msdyn_partycountry: c.address.country,
				msdyn_partystateprovince: c.address.state || null,
				msdyn_paymentday: named('msdyn_paymentday', c.company, c.paymentDay),
				msdyn_customerpaymentmethod: named('msdyn_customerpaymentmethod', c.company, c.paymentMethod),
				msdyn_paymentschedule: named('msdyn_paymentschedule', c.company, c.paymentSchedule),
				msdyn_salestaxgroup: named('msdyn_salestaxgroup', c.company, c.salesTaxGroup),
			};
			if (c.partyType === 'Organization') {
				s.put('account', stableGuid('account', c.company, c.account), {
					...common,
					accountnumber: c.account,
					name: c.name,
					customertypecode: 3,
					msdyn_creditlimitismandatory: c.creditLimitIsMandatory,
					msdyn_paymentterm: terms.get(`${c.company}|${c.paymentTerms}`) ?? null,
				});
			} else {
				s.put('contact', stableGuid('contact', c.company, c.account), {
					...common,
					msdyn_contactpersonid: c.account,
					firstname: c.firstName,
					lastname: c.lastName,
					msdyn_sellable: true,
					msdyn_paymentterms: terms.get(`${c.company}|${c.paymentTerms}`) ?? null,
				});
			}
		}
	}
	if (project.has('vendors')) {
		for (const v of world.vendors) {
			s.put('msdyn_vendor', stableGuid('msdyn_vendor', v.company, v.account), {
				msdyn_vendoraccountnumber: v.account,
				msdyn_name: v.name,
				msdyn_company: companies.get(v.company) ?? null,
				msdyn_isperson: v.partyType === 'Person',
				msdyn_vendorcreditlimit: v.creditLimit,
				msdyn_currencycode: currencies.get(v.currency) ?? null,
				msdyn_partynumber: v.partyNumber,
				msdyn_vendorgroupid: named('msdyn_vendorgroup', v.company, v.group),
				msdyn_paymentterms: terms.get(`${v.company}|${v.paymentTerms}`) ?? null,
				msdyn_vendorpaymentmethod: named('msdyn_vendorpaymentmethod', v.company, v.paymentMethod),
				msdyn_defaultpaymentdayname: named('msdyn_paymentday', v.company, v.paymentDay),
				msdyn_taxgroup: named('msdyn_salestaxgroup', v.company, v.salesTaxGroup),
			});
		}
	}
	if (project.has('products')) {
		const seen = new Set<string>();
		for (const p of world.products) {
			// Products are global in Dataverse: the first company's released product wins.
			if (seen.has(p.productNumber)) continue;
			seen.add(p.productNumber);
			s.put('product', stableGuid('product', p.productNumber), {
				name: p.name,
				msdyn_productnumber: p.productNumber,
				productnumber: p.productNumber,
				msdyn_itemnumber: p.itemNumber,
				description: p.description,
				price: p.salesPrice,
				currentcost: p.unitCost,
				producttypecode: p.productType === 'Service' ? 3 : 1,
				defaultuomid: { id: stableGuid('uom', p.unit), table: 'uom' },
				quantitydecimal: 0,
			});
		}
	}
	if (ownParties) {
		// Dataverse-originated parties: account numbers in their own range (C-…) so they never collide
		// with F&O's number sequence, as the dual-write docs advise for multi-mastered tables.
		const usmf = companies.get('usmf') ?? null;
		const usd = currencies.get('USD') ?? null;
		// With customer groups projected, they join group 10 (F&O requires a customer group on every customer).
		const group = groups.get('usmf|10') ?? null;
		const own: Array<[string, string, string]> = [
			['C-000001', "O'Brien Café & Bäckerei", 'Seattle'],
			['C-000002', 'Ørsted Wind Partners', 'Dallas'],
			['C-000003', 'Fabrikam Northwind "Premium"', 'Seattle'],
		];
		for (const [num, name, city] of own) {
			s.put('account', stableGuid('account', 'usmf', num), { accountnumber: num, name, msdyn_company: usmf, customertypecode: 3, transactioncurrencyid: usd, address1_city: city, creditlimit: 5000, msdyn_customergroupid: group });
		}
		const people: Array<[string, string, string]> = [
			['CP-000001', 'Siobhán', "O'Sullivan"],
			['CP-000002', 'Jürgen', 'Weiß'],
		];
		for (const [num, first, last] of people) {
			s.put('contact', stableGuid('contact', 'usmf', num), { msdyn_contactpersonid: num, firstname: first, lastname: last, msdyn_company: usmf, msdyn_sellable: true, transactioncurrencyid: usd, msdyn_customergroupid: group });
		}
	}
}
