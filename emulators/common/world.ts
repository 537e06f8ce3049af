/**
 * One deterministic business world that every emulator projects into its own schema, so both systems
 * describe the same companies, currencies and parties. The same seed always yields the same data;
 * customers stream from a generator so benchmarks can ask for 100,000+ without holding them twice.
 * Values are deliberately awkward where real data is: apostrophes, non-ASCII, long strings, decimals.
 */
export interface WorldOptions {
	seed?: number;
	/** Customers per company (default 25). */
	customersPerCompany?: number;
	vendorsPerCompany?: number;
	productsPerCompany?: number;
}

export interface Company { id: string; name: string; currency: string; country: string }
export interface Currency { code: string; name: string; symbol: string }
export interface Unit { symbol: string; description: string; unitClass: string; decimals: number }
export interface PaymentTerm {
	company: string; name: string; description: string; days: number; months: number;
	cutOffDayOfMonth: number; isCash: boolean; isDefault: boolean;
	/** Payment day name ('' = none). */
	paymentDay: string;
}
export interface CustomerGroup {
	company: string; id: string; description: string; paymentTermId: string; salesTaxIncludedInPrice: boolean;
}
/** A small per-company setup row looked up by name (payment days, schedules, methods, tax groups, vendor groups). */
export interface NamedSetup { company: string; name: string; description: string }
export interface VendorContact {
	company: string; contactPersonId: string; partyNumber: string; vendorAccount: string;
	firstName: string; lastName: string; email: string; phone: string; department: string;
}
export interface Address { street: string; city: string; zip: string; state: string; country: string }
export interface Customer {
	company: string;
	account: string;
	partyType: 'Organization' | 'Person';
	partyNumber: string;
	/** Organisation name, or "First Last" for persons. */
	name: string;
	firstName: string;
	lastName: string;
	group: string;
	currency: string;
	paymentTerms: string;
	creditLimit: number;
	creditLimitIsMandatory: boolean;
	onHold: 'No' | 'Invoice' | 'All';
	email: string;
	phone: string;
	address: Address;
	salesMemo: string;
	/**
	 * Another customer of the same company that pays this one's invoices (a self-reference), or '': every tenth
	 * customer is invoiced to the latest organisation before it (an account in Dataverse, where the invoice account
	 * is a lookup to accounts).
	 */
	invoiceAccount: string;
	/** Lookups into the named setup tables ('' = none); derived from the index, not the RNG. */
	paymentMethod: string;
	paymentDay: string;
	paymentSchedule: string;
	salesTaxGroup: string;
}
export interface Vendor {
	company: string; account: string; name: string; group: string; currency: string; paymentTerms: string;
	partyType: 'Organization' | 'Person'; partyNumber: string; creditLimit: number;
	paymentMethod: string; paymentDay: string; salesTaxGroup: string;
}
export interface Product {
	company: string; itemNumber: string; productNumber: string; name: string; description: string;
	salesPrice: number; unitCost: number; unit: string; productType: 'Item' | 'Service';
}
export interface World {
	companies: Company[];
	currencies: Currency[];
	units: Unit[];
	paymentTerms: PaymentTerm[];
	customerGroups: CustomerGroup[];
	paymentDays: NamedSetup[];
	paymentSchedules: NamedSetup[];
	customerPaymentMethods: NamedSetup[];
	vendorPaymentMethods: NamedSetup[];
	salesTaxGroups: NamedSetup[];
	vendorGroups: NamedSetup[];
	customers: Customer[];
	vendors: Vendor[];
	vendorContacts: VendorContact[];
	products: Product[];
}

export const COMPANIES: Company[] = [
	{ id: 'usmf', name: 'Contoso Entertainment System USA', currency: 'USD', country: 'USA' },
	{ id: 'demf', name: 'Contoso Entertainment System Germany', currency: 'EUR', country: 'DEU' },
	{ id: 'gbsi', name: "Contoso UK — O'Neill Trading Ltd", currency: 'GBP', country: 'GBR' },
];

const CURRENCIES: Currency[] = [
	{ code: 'USD', name: 'US Dollar', symbol: '$' },
	{ code: 'EUR', name: 'Euro', symbol: '€' },
	{ code: 'GBP', name: 'Pound sterling', symbol: '£' },
	{ code: 'JPY', name: 'Japanese yen', symbol: '¥' },
	{ code: 'DKK', name: 'Danish krone', symbol: 'kr.' },
];

const UNITS: Unit[] = [
	{ symbol: 'ea', description: 'Each', unitClass: 'Quantity', decimals: 0 },
	{ symbol: 'pcs', description: 'Pieces', unitClass: 'Quantity', decimals: 0 },
	{ symbol: 'kg', description: 'Kilogram', unitClass: 'Mass', decimals: 3 },
	{ symbol: 'h', description: 'Hour', unitClass: 'Time', decimals: 2 },
];

const TERMS: Array<Omit<PaymentTerm, 'company'>> = [
	{ name: 'Net10', description: 'Net 10 days', days: 10, months: 0, cutOffDayOfMonth: 0, isCash: false, isDefault: false, paymentDay: '' },
	{ name: 'Net30', description: 'Net 30 days', days: 30, months: 0, cutOffDayOfMonth: 0, isCash: false, isDefault: true, paymentDay: '' },
	{ name: 'M15', description: 'Current month + 15 days', days: 15, months: 1, cutOffDayOfMonth: 25, isCash: false, isDefault: false, paymentDay: '15th' },
	{ name: 'COD', description: 'Cash on delivery', days: 0, months: 0, cutOffDayOfMonth: 0, isCash: true, isDefault: false, paymentDay: '' },
];

const GROUPS: Array<[string, string, string]> = [
	['10', 'Wholesale customers', 'Net30'],
	['20', 'Major customers', 'Net10'],
	['30', 'Retail customers — Müller & Söhne channel', 'COD'],
	['80', "Other customers (incl. O'Reilly-type accounts)", 'M15'],
];

/** Named setup rows, the same in every company: [name, description]. */
export const SETUP = {
	paymentDays: [['Fri', 'Fridays'], ['15th', '15th of the month']],
	paymentSchedules: [['3x30', 'Three instalments, 30 days apart']],
	customerPaymentMethods: [['CHECK', 'Check'], ['ELECTRONIC', 'Electronic payment — SEPA/ACH']],
	vendorPaymentMethods: [['CHECK', 'Check'], ['WIRE', 'Wire transfer']],
	salesTaxGroups: [['STD', 'Standard rate'], ['EXEMPT', "Exempt (reseller's certificate)"]],
	vendorGroups: [['10', 'Domestic suppliers'], ['20', 'Foreign suppliers — Übersee']],
} as const satisfies Record<string, ReadonlyArray<readonly [string, string]>>;

const ORG_STEMS = [
	"O'Brien & Sons", 'Müller Maschinenbau', 'Ætheric Søren ApS', 'Fabrikam', 'Litware', 'Adventure Works',
	'Tailspin Toys', 'Northwind Traders', 'Wide World Importers', 'Café Lumière', 'Zürich Präzision',
	'Ōsaka Trading 株式会社', 'Coho Winery', 'Proseware', 'Alpine Ski House',
];
const ORG_SUFFIX = ['Inc.', 'GmbH', 'Ltd', 'LLC', 'S.A.', 'AG', 'Group'];
const FIRST = ['Anna', 'Björn', 'Chloé', "D'Arcy", 'Émile', 'Fatima', 'Grzegorz', 'Hana', 'Ïsabel', 'José', 'Kwame', 'Łucja'];
const LAST = ["O'Connor", 'Müller', 'Nguyễn', 'Smith', 'García', 'Kowalski', 'Johansson', 'Dubois', 'Yamada', 'Okafor'];
const CITIES: Array<[string, string, string]> = [
	['Seattle', 'WA', '98052'], ['München', 'BY', '80331'], ["St John's", '', 'A1C 5M2'], ['London', '', 'EC1A 1BB'],
	['Zürich', 'ZH', '8001'], ['Dallas', 'TX', '75201'], ['Köln', 'NW', '50667'],
];
const STREETS = ['1 Microsoft Way', 'Königstraße 12', "O'Connell Street 7", '221B Baker Street', 'Bahnhofstrasse 3'];

/** mulberry32: tiny, fast, deterministic. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const money = (r: () => number, max: number) => Math.round(r() * max * 100) / 100;
const companySeed = (seed: number, company: string, salt: number) =>
	[...company].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, (seed ^ salt) >>> 0);

/** Customers of one company, generated lazily: the account numbers are `<CC>-000001`... in order. */
export function* generateCustomers(company: Company, count: number, seed = 1): Generator<Customer> {
	const r = rng(companySeed(seed, company.id, 0xc057));
	const prefix = company.id.slice(0, 2).toUpperCase();
	let lastOrganisation = '';
	for (let i = 1; i <= count; i++) {
		const account = `${prefix}-${String(i).padStart(6, '0')}`;
		const person = r() < 0.3;
		const firstName = person ? pick(r, FIRST) : '';
		const lastName = person ? pick(r, LAST) : '';
		let name = person ? `${firstName} ${lastName}` : `${pick(r, ORG_STEMS)} ${pick(r, ORG_SUFFIX)}`;
		// Every 50th organisation carries a name at the 100-character limit of F&O's Name EDT.
		if (!person && i % 50 === 7) name = `${name} — International Holdings and Subsidiaries Worldwide`.padEnd(100, '.').slice(0, 100);
		const [city, state, zip] = pick(r, CITIES);
		const group = GROUPS[Math.floor(r() * GROUPS.length)];
		yield {
			company: company.id,
			account,
			partyType: person ? 'Person' : 'Organization',
			partyNumber: `${company.id.toUpperCase()}P${String(i).padStart(7, '0')}`,
			name,
			firstName,
			lastName,
			group: group[0],
			currency: r() < 0.9 ? company.currency : pick(r, CURRENCIES).code,
			paymentTerms: group[2],
			creditLimit: money(r, 250_000),
			creditLimitIsMandatory: r() < 0.4,
			onHold: r() < 0.9 ? 'No' : r() < 0.5 ? 'Invoice' : 'All',
			email: `${(person ? `${firstName}.${lastName}` : 'info').normalize('NFKD').replace(/[^A-Za-z.]/g, '').toLowerCase()}@${account.toLowerCase()}.example.com`,
			phone: `+1 555 ${String(Math.floor(r() * 10_000_000)).padStart(7, '0')}`,
			address: { street: pick(r, STREETS), city, zip, state, country: company.country },
			salesMemo: r() < 0.2 ? 'Prefers delivery before 10:00; "fragile" goods — handle with care.' : '',
			invoiceAccount: i > 3 && i % 10 === 0 ? lastOrganisation : '',
			paymentMethod: i % 2 === 1 ? 'CHECK' : 'ELECTRONIC',
			paymentDay: i % 5 === 0 ? 'Fri' : '',
			paymentSchedule: i % 7 === 0 ? '3x30' : '',
			salesTaxGroup: i % 4 === 0 ? 'EXEMPT' : 'STD',
		};
		if (!person) lastOrganisation = account;
	}
}

export function generateWorld(options: WorldOptions = {}): World {
	const seed = options.seed ?? 1;
	const customersPer = options.customersPerCompany ?? 25;
	const vendorsPer = options.vendorsPerCompany ?? 8;
	const productsPer = options.productsPerCompany ?? 12;
	const world: World = {
		companies: COMPANIES.map((c) => ({ ...c })),
		currencies: CURRENCIES.map((c) => ({ ...c })),
		units: UNITS.map((u) => ({ ...u })),
		paymentTerms: [],
		customerGroups: [],
		paymentDays: [],
		paymentSchedules: [],
		customerPaymentMethods: [],
		vendorPaymentMethods: [],
		salesTaxGroups: [],
		vendorGroups: [],
		customers: [],
		vendors: [],
		vendorContacts: [],
		products: [],
	};
	for (const company of world.companies) {
		for (const t of TERMS) world.paymentTerms.push({ company: company.id, ...t });
		for (const [id, description, term] of GROUPS) {
			world.customerGroups.push({ company: company.id, id, description, paymentTermId: term, salesTaxIncludedInPrice: id === '30' });
		}
		for (const kind of Object.keys(SETUP) as Array<keyof typeof SETUP>) {
			for (const [name, description] of SETUP[kind]) world[kind].push({ company: company.id, name, description });
		}
		world.customers.push(...generateCustomers(company, customersPer, seed));
		const r = rng(companySeed(seed, company.id, 0x7e4d));
		const prefix = company.id.slice(0, 2).toUpperCase();
		for (let i = 1; i <= vendorsPer; i++) {
			world.vendors.push({
				company: company.id,
				account: `V${prefix}-${String(i).padStart(5, '0')}`,
				name: `${pick(r, ORG_STEMS)} Supplies`,
				group: r() < 0.5 ? '10' : '20',
				currency: company.currency,
				paymentTerms: pick(r, TERMS).name,
				partyType: 'Organization',
				partyNumber: `${company.id.toUpperCase()}V${String(i).padStart(7, '0')}`,
				creditLimit: money(r, 100_000),
				paymentMethod: i % 3 === 0 ? 'WIRE' : 'CHECK',
				paymentDay: i % 4 === 0 ? '15th' : '',
				salesTaxGroup: 'STD',
			});
		}
		// One contact person for each of the first four vendors (F&O contact persons; Dataverse vendor contacts).
		for (let i = 1; i <= Math.min(4, vendorsPer); i++) {
			const first = FIRST[(i * 5) % FIRST.length];
			const last = LAST[(i * 3) % LAST.length];
			world.vendorContacts.push({
				company: company.id,
				contactPersonId: `${prefix}-CP${String(i).padStart(4, '0')}`,
				partyNumber: `${company.id.toUpperCase()}C${String(i).padStart(7, '0')}`,
				vendorAccount: `V${prefix}-${String(i).padStart(5, '0')}`,
				firstName: first,
				lastName: last,
				email: `${`${first}.${last}`.normalize('NFKD').replace(/[^A-Za-z.]/g, '').toLowerCase()}@v${prefix.toLowerCase()}${i}.example.com`,
				phone: `+44 20 7946 ${String(1000 + i * 7).padStart(4, '0')}`,
				department: i % 2 ? 'Sales' : 'Accounts receivable',
			});
		}
		for (let i = 1; i <= productsPer; i++) {
			const service = i % 6 === 0;
			world.products.push({
				company: company.id,
				itemNumber: `I${String(1000 + i)}`,
				productNumber: `P${String(1000 + i)}`,
				name: service ? `Installation service ${i}` : `Speaker ${pick(r, ['Mini', 'Max', 'Pro', 'Ünïcode'])} ${i}`,
				description: `Product ${i} for ${company.name}`,
				salesPrice: money(r, 2_000),
				unitCost: money(r, 1_000),
				unit: service ? 'h' : 'ea',
				productType: service ? 'Service' : 'Item',
			});
		}
	}
	return world;
}
