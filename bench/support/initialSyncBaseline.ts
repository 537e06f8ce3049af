/**
 * The initial-sync bench's raw-HTTP baseline: customers V3 → accounts (organisations), F&O → Dataverse, with neither
 * n8n nor lib/ (no connector, map engine, ledger or journal) — hand-written requests that carry the same payloads the
 * engine sends (the same F&O reads, the same per-record reads of the target by alternate key, the same `$batch` bodies
 * of upserts), so that what the bench compares is the cost of everything around the HTTP. Runs in a process of its
 * own (the bench spawns it) so that its peak RSS is its own; prints JSON lines on stdout: `{"progress": n}` while it
 * runs and `{"result": ...}` at the end.
 *
 * Read modes:
 * - `engine` (default): what lib/sync/initial sends today (seen by tracing its transport): one collection request with
 *   `$select`/`$orderby=dataAreaId,CustomerAccount`/`cross-company=true`, following the server's nextLinks (F&O's page
 *   size, 10,000), organisations picked out client-side; Page Size only cuts those pages into smaller ones.
 * - `keyset`: what the Page Size option describes: `$top=<page size>` per request, each after the last key of the
 *   previous one (`$filter=dataAreaId gt … or (dataAreaId eq … and CustomerAccount gt …)`).
 *
 * Writes: records go in chunks of Write Batch Size; `concurrency` chunks are in flight at once (a continuous pool,
 * no barrier between pages); per chunk the target records are read first, 8 at a time (as writeLive does), then the
 * chunk is written in `$batch` requests of at most `batchLimit` upserts each, one after another (the engine's
 * Dataverse connector cuts a chunk into `$batch`es of its default 100, because syncMap does not pass its batch size on;
 * `--baseline-batch-limit` = the batch size sends one `$batch` per chunk, as the option describes).
 */
import { performance } from 'node:perf_hooks';
import { INTEGRATION_APP, TENANT_ID } from '../../emulators/common/directory';
import { request } from './emulatorProcess';

export interface BaselineOptions {
	fo: string;
	dataverse: string;
	/** The token endpoint's origin. */
	token: string;
	pageSize: number;
	batchSize: number;
	concurrency: number;
	/** Records per `$batch` request (a chunk may take several, sent one after another). */
	batchLimit: number;
	reads: 'engine' | 'keyset';
	/** Target reads in flight per chunk (writeLive: 8). */
	readConcurrency?: number;
}

export interface BaselineResult {
	read: number;
	organisations: number;
	created: number;
	updated: number;
	failed: number;
	errors: string[];
	foRequests: number;
	dvGets: number;
	dvBatches: number;
	/** Per chunk (one write call: its target reads and its `$batch`es), ms. */
	chunkMs: number[];
	/** Writes sent again after the table (they failed once). */
	retried: number;
	seconds: number;
}

type FoRecord = Record<string, unknown>;

/** What syncMap selects from CustomersV3 for the map (its fields, the key, the filter's PartyType, the defaults' LanguageId). */
export const CUSTOMER_SELECT = [
	'dataAreaId', 'CustomerAccount', 'CreditLimit', 'SalesCurrencyCode', 'SalesMemo', 'CreditLimitIsMandatory', 'CreditRating', 'CustomerGroupId',
	'IdentificationNumber', 'InvoiceAccount', 'IsOneTimeCustomer', 'OnHoldStatus', 'PartyCountry', 'PartyState', 'PaymentDay', 'PaymentMethod',
	'PaymentSchedule', 'PaymentTerms', 'PaymentTermsBaseDays', 'TaxExemptNumber', 'VendorAccount', 'PartyNumber', 'ContactPersonId', 'SalesTaxGroup',
	'OrganizationName', 'OrganizationNumberOfEmployees', 'InvoiceAddressCity', 'InvoiceAddressCountryRegionISOCode', 'InvoiceAddressCounty',
	'InvoiceAddressState', 'InvoiceAddressStreet', 'InvoiceAddressZipCode', 'InvoiceAddressLatitude', 'InvoiceAddressLongitude', 'DeliveryAddressCity',
	'DeliveryAddressCountryRegionISOCode', 'DeliveryAddressCounty', 'DeliveryAddressState', 'DeliveryAddressStreet', 'DeliveryAddressZipCode',
	'DeliveryAddressLatitude', 'DeliveryAddressLongitude', 'PrimaryContactEmail', 'PrimaryContactPhone', 'PrimaryContactFax', 'PrimaryContactURL',
	'PrimaryContactTwitter', 'PrimaryContactFacebook', 'PrimaryContactLinkedIn', 'PrimaryContactPhoneExtension', 'InvoiceAddress', 'PartyType', 'LanguageId',
];

/**
 * What writeLive reads of the target account before it writes: the map's fields as Dataverse stores them, the
 * lookups expanded; a lookup column's `_<navigation>_value` only where the record leaves the lookup empty.
 */
const ACCOUNT_SELECT =
	'accountnumber,creditlimit,description,msdyn_creditlimitismandatory,msdyn_creditrating,msdyn_identificationnumber,msdyn_onetimecustomer,' +
	'msdyn_onholdstatus,msdyn_partycountry,msdyn_partystateprovince,msdyn_paymenttermsbasedays,msdyn_taxexemptnumber,msdyn_partynumber,name,' +
	'numberofemployees,address2_city,address2_country,address2_county,address2_stateorprovince,address2_line1,address2_postalcode,address1_city,' +
	'address1_country,address1_county,address1_stateorprovince,address1_line1,address1_postalcode,emailaddress1,telephone1,fax,websiteurl,' +
	'primarytwitterid,msdyn_primaryfacebookid,msdyn_primarylinkedinid,msdyn_telephone1extension,msdyn_invoiceaddress,customertypecode,' +
	'address2_latitude,address2_longitude,address1_latitude,address1_longitude,address1_addresstypecode';
const ACCOUNT_EXPAND =
	'msdyn_company($select%3Dcdm_companycode),transactioncurrencyid($select%3Disocurrencycode),msdyn_customergroupid($select%3Dmsdyn_groupid),' +
	'msdyn_billingaccount($select%3Daccountnumber),msdyn_paymentday($select%3Dmsdyn_name),msdyn_customerpaymentmethod($select%3Dmsdyn_name),' +
	'msdyn_paymentschedule($select%3Dmsdyn_name),msdyn_paymentterm($select%3Dmsdyn_name),msdyn_vendor($select%3Dmsdyn_vendoraccountnumber),' +
	'primarycontactid($select%3Dmsdyn_contactpersonid),msdyn_salestaxgroup($select%3Dmsdyn_name)';

export function accountQuery(record: FoRecord): string {
	const empty = LOOKUPS.filter(([fo]) => blank(record[fo])).map(([, navigation]) => `,_${navigation}_value`);
	return `$select=${ACCOUNT_SELECT}${empty.join('')},accountid,modifiedon&$expand=${ACCOUNT_EXPAND}`;
}

const COPIED: Array<[fo: string, dataverse: string]> = [
	['CreditLimit', 'creditlimit'], ['SalesMemo', 'description'], ['CreditRating', 'msdyn_creditrating'], ['IdentificationNumber', 'msdyn_identificationnumber'],
	['PartyCountry', 'msdyn_partycountry'], ['PartyState', 'msdyn_partystateprovince'], ['PaymentTermsBaseDays', 'msdyn_paymenttermsbasedays'],
	['TaxExemptNumber', 'msdyn_taxexemptnumber'], ['PartyNumber', 'msdyn_partynumber'], ['OrganizationName', 'name'],
	['OrganizationNumberOfEmployees', 'numberofemployees'], ['InvoiceAddressCity', 'address2_city'], ['InvoiceAddressCountryRegionISOCode', 'address2_country'],
	['InvoiceAddressCounty', 'address2_county'], ['InvoiceAddressState', 'address2_stateorprovince'], ['InvoiceAddressStreet', 'address2_line1'],
	['InvoiceAddressZipCode', 'address2_postalcode'], ['InvoiceAddressLatitude', 'address2_latitude'], ['InvoiceAddressLongitude', 'address2_longitude'],
	['DeliveryAddressCity', 'address1_city'], ['DeliveryAddressCountryRegionISOCode', 'address1_country'], ['DeliveryAddressCounty', 'address1_county'],
	['DeliveryAddressState', 'address1_stateorprovince'], ['DeliveryAddressStreet', 'address1_line1'], ['DeliveryAddressZipCode', 'address1_postalcode'],
	['DeliveryAddressLatitude', 'address1_latitude'], ['DeliveryAddressLongitude', 'address1_longitude'], ['PrimaryContactEmail', 'emailaddress1'],
	['PrimaryContactPhone', 'telephone1'], ['PrimaryContactFax', 'fax'], ['PrimaryContactURL', 'websiteurl'], ['PrimaryContactTwitter', 'primarytwitterid'],
	['PrimaryContactFacebook', 'msdyn_primaryfacebookid'], ['PrimaryContactLinkedIn', 'msdyn_primarylinkedinid'],
	['PrimaryContactPhoneExtension', 'msdyn_telephone1extension'],
];
const NO_YES: Record<string, boolean> = { No: false, Yes: true };
const ON_HOLD: Record<string, number> = { No: 192350000, Invoice: 192350001, All: 192350002, Payment: 192350003, Requisition: 192350004, Never: 192350005 };
const INVOICE_ADDRESS: Record<string, number> = { InvoiceAccount: 192350000, OrderAccount: 192350001 };
/** Lookups: F&O field, navigation, target set, alternate-key column, company-specific. */
const LOOKUPS: Array<[fo: string, navigation: string, set: string, column: string, company: boolean]> = [
	['SalesCurrencyCode', 'transactioncurrencyid', 'transactioncurrencies', 'isocurrencycode', false],
	['CustomerGroupId', 'msdyn_customergroupid', 'msdyn_customergroups', 'msdyn_groupid', true],
	['InvoiceAccount', 'msdyn_billingaccount', 'accounts', 'accountnumber', true],
	['PaymentDay', 'msdyn_paymentday', 'msdyn_paymentdays', 'msdyn_name', true],
	['PaymentMethod', 'msdyn_customerpaymentmethod', 'msdyn_customerpaymentmethods', 'msdyn_name', true],
	['PaymentSchedule', 'msdyn_paymentschedule', 'msdyn_paymentschedules', 'msdyn_name', true],
	['PaymentTerms', 'msdyn_paymentterm', 'msdyn_paymentterms', 'msdyn_name', true],
	['VendorAccount', 'msdyn_vendor', 'msdyn_vendors', 'msdyn_vendoraccountnumber', true],
	['ContactPersonId', 'primarycontactid', 'contacts', 'msdyn_contactpersonid', true],
	['SalesTaxGroup', 'msdyn_salestaxgroup', 'msdyn_salestaxgroups', 'msdyn_name', true],
];

const literal = (value: unknown) => `'${String(value).replace(/'/g, "''")}'`;
const blank = (value: unknown) => value === undefined || value === null || value === '';
const text = (value: unknown) => (blank(value) ? null : value);
const enumValue = (value: unknown, map: Record<string, unknown>) => (blank(value) ? null : (map[String(value)] ?? null));

/** The account address of an F&O customer: `accounts(accountnumber='…',_msdyn_company_value=<company GUID>)`. */
export function accountPath(record: FoRecord, companyId: string): string {
	return `accounts(accountnumber=${literal(record.CustomerAccount)},_msdyn_company_value=${companyId})`;
}

/** The upsert body the map makes of an organisation customer (hand-written from maps/customers-v3-accounts.json). */
export function accountBody(record: FoRecord, companyId: string): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	for (const [fo, dataverse] of COPIED) body[dataverse] = text(record[fo]);
	body.msdyn_creditlimitismandatory = typeof record.CreditLimitIsMandatory === 'boolean' ? record.CreditLimitIsMandatory : enumValue(record.CreditLimitIsMandatory, NO_YES);
	body.msdyn_onetimecustomer = typeof record.IsOneTimeCustomer === 'boolean' ? record.IsOneTimeCustomer : enumValue(record.IsOneTimeCustomer, NO_YES);
	body.msdyn_onholdstatus = enumValue(record.OnHoldStatus, ON_HOLD);
	body.msdyn_invoiceaddress = enumValue(record.InvoiceAddress, INVOICE_ADDRESS);
	body.customertypecode = 3;
	body.address1_addresstypecode = 2;
	for (const [fo, navigation, set, column, company] of LOOKUPS) {
		const value = record[fo];
		body[`${navigation}@odata.bind`] = blank(value) ? null : `/${set}(${column}=${literal(value)}${company ? `,_msdyn_company_value=${companyId}` : ''})`;
	}
	return body;
}

/** One `$batch` of upserts, each in its own part (no changeset), continue-on-error, as the engine's connector sends it. */
function batchRequest(parts: Array<{ path: string; body: Record<string, unknown> }>): { contentType: string; body: string } {
	const boundary = `batch_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
	const lines: string[] = [];
	parts.forEach((part, i) => {
		lines.push(`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${i + 1}`, '');
		lines.push(`PATCH ${part.path}?$select=accountid&tag=dw-n8n HTTP/1.1`, 'Accept: application/json', 'Content-Type: application/json', 'Prefer: return=representation', '', JSON.stringify(part.body));
	});
	lines.push(`--${boundary}--`, '');
	return { contentType: `multipart/mixed; boundary=${boundary}`, body: lines.join('\r\n') };
}

async function token(origin: string, resource: string): Promise<string> {
	const form = { grant_type: 'client_credentials', client_id: INTEGRATION_APP.clientId, client_secret: INTEGRATION_APP.clientSecret, scope: `${resource}/.default` };
	const res = await request(`${origin}/${TENANT_ID}/oauth2/v2.0/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString());
	if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body.slice(0, 300)}`);
	return (JSON.parse(res.body) as { access_token: string }).access_token;
}

async function mapLimit<T>(inputs: readonly T[], limit: number, fn: (input: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < inputs.length) await fn(inputs[next++]);
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker));
}

export async function runBaseline(options: BaselineOptions, onProgress: (organisations: number) => void = () => undefined): Promise<BaselineResult> {
	const started = performance.now();
	const [foToken, dvToken] = await Promise.all([token(options.token, options.fo), token(options.token, options.dataverse)]);
	const odata = { accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0' };
	const foHeaders = { ...odata, authorization: `Bearer ${foToken}` };
	const dvHeaders = { ...odata, authorization: `Bearer ${dvToken}` };
	const result: BaselineResult = { read: 0, organisations: 0, created: 0, updated: 0, failed: 0, errors: [], foRequests: 0, dvGets: 0, dvBatches: 0, chunkMs: [], retried: 0, seconds: 0 };
	const fail = (message: string) => {
		result.failed++;
		if (result.errors.length < 10) result.errors.push(message.slice(0, 500));
	};

	// The company GUIDs the alternate keys and lookups carry (the engine resolves them once per minute per company).
	const dv = `${options.dataverse}/api/data/v9.2`;
	const companies = await request(`${dv}/cdm_companies?$select=cdm_companyid,cdm_companycode`, 'GET', dvHeaders);
	result.dvGets++;
	const companyIds = new Map((JSON.parse(companies.body) as { value: Array<{ cdm_companyid: string; cdm_companycode: string }> }).value.map((c) => [c.cdm_companycode.toLowerCase(), c.cdm_companyid]));

	// Source pages: the next one is read while the current one is written (as syncMap does).
	const base = `${options.fo}/data/CustomersV3?$select=${CUSTOMER_SELECT.join(',')}&$orderby=dataAreaId,CustomerAccount&cross-company=true`;
	let nextUrl: string | undefined = options.reads === 'keyset' ? `${base}&$top=${options.pageSize}` : base;
	const readPage = async (url: string): Promise<{ records: FoRecord[]; next?: string }> => {
		result.foRequests++;
		const res = await request(url, 'GET', foHeaders);
		if (res.status !== 200) throw new Error(`F&O answered ${res.status}: ${res.body.slice(0, 300)}`);
		const page = JSON.parse(res.body) as { value: FoRecord[]; '@odata.nextLink'?: string };
		if (options.reads === 'engine') return { records: page.value, next: page['@odata.nextLink'] };
		const last = page.value[page.value.length - 1];
		if (page.value.length < options.pageSize || last === undefined) return { records: page.value };
		const area = literal(last.dataAreaId);
		const after = `dataAreaId gt ${area} or (dataAreaId eq ${area} and CustomerAccount gt ${literal(last.CustomerAccount)})`;
		return { records: page.value, next: `${base}&$top=${options.pageSize}&$filter=${encodeURIComponent(after)}` };
	};
	let pending: Promise<{ records: FoRecord[]; next?: string }> | undefined = readPage(nextUrl);
	const queue: FoRecord[][] = [];
	let buffered: FoRecord[] = [];
	/** The next chunk of organisations, or undefined when the table is done; one caller at a time. */
	let lock: Promise<unknown> = Promise.resolve();
	const nextChunk = (): Promise<FoRecord[] | undefined> => {
		const take = lock.then(async () => {
			while (queue.length === 0 && pending) {
				const page = await pending;
				nextUrl = page.next;
				pending = nextUrl ? readPage(nextUrl) : undefined;
				pending?.catch(() => undefined);
				result.read += page.records.length;
				for (const record of page.records) if (record.PartyType === 'Organization') buffered.push(record);
				while (buffered.length >= options.batchSize || (!pending && buffered.length > 0)) {
					queue.push(buffered.slice(0, options.batchSize));
					buffered = buffered.slice(options.batchSize);
				}
			}
			return queue.shift();
		});
		lock = take.catch(() => undefined);
		return take;
	};

	const readConcurrency = options.readConcurrency ?? 8;
	/** Writes that failed once (a billing account written by another chunk still in flight): sent again at the end, as syncMap does. */
	const later: FoRecord[] = [];
	const writeChunk = async (chunk: FoRecord[], final: boolean) => {
		const t = performance.now();
		const parts = chunk.map((record) => {
			const companyId = companyIds.get(String(record.dataAreaId).toLowerCase()) ?? '00000000-0000-0000-0000-000000000000';
			return { record, path: accountPath(record, companyId), companyId };
		});
		const failed = (part: (typeof parts)[number], message: string) => {
			if (final) fail(message);
			else later.push(part.record);
		};
		// The target records, 8 at a time: none exists yet (404), as in a first initial sync.
		await mapLimit(parts, readConcurrency, async (part) => {
			result.dvGets++;
			const res = await request(`${dv}/${part.path}?${accountQuery(part.record)}`, 'GET', dvHeaders);
			if (res.status !== 200 && res.status !== 404) fail(`GET ${part.path}: ${res.status} ${res.body.slice(0, 200)}`);
		});
		for (let start = 0; start < parts.length; start += options.batchLimit) {
			const group = parts.slice(start, start + options.batchLimit);
			const batch = batchRequest(group.map((part) => ({ path: part.path, body: accountBody(part.record, part.companyId) })));
			result.dvBatches++;
			const res = await request(`${dv}/$batch`, 'POST', { ...dvHeaders, prefer: 'odata.continue-on-error', 'content-type': batch.contentType }, batch.body);
			if (res.status !== 200) {
				for (const part of group) failed(part, `$batch ${part.path}: ${res.status} ${res.body.slice(0, 200)}`);
				continue;
			}
			const answers = res.body.split(/\r?\n--batchresponse_[^\r\n]*/).filter((text) => /^HTTP\/1\.1 \d{3}/m.test(text));
			group.forEach((part, i) => {
				const answer = answers[i] ?? '';
				const status = Number(/^HTTP\/1\.1 (\d{3})/m.exec(answer)?.[1] ?? 0);
				if (status === 201) result.created++;
				else if (status >= 200 && status < 300) result.updated++;
				else failed(part, `${part.path}: ${status} ${/"message":\s*"([^"]*)"/.exec(answer)?.[1] ?? ''}`);
			});
		}
		if (!final) result.organisations += chunk.length;
		result.chunkMs.push(performance.now() - t);
		onProgress(result.organisations);
	};

	await Promise.all(
		Array.from({ length: Math.max(1, options.concurrency) }, async () => {
			for (let chunk = await nextChunk(); chunk !== undefined; chunk = await nextChunk()) await writeChunk(chunk, false);
		}),
	);
	result.retried = later.length;
	for (let start = 0; start < later.length; start += options.batchSize) await writeChunk(later.slice(start, start + options.batchSize), true);
	result.seconds = (performance.now() - started) / 1000;
	return result;
}

if (require.main === module) {
	const options = JSON.parse(process.argv[2] ?? '{}') as BaselineOptions;
	let reported = 0;
	runBaseline(options, (n) => {
		if (n - reported >= 1000) {
			reported = n;
			process.stdout.write(`${JSON.stringify({ progress: n })}\n`);
		}
	})
		.then((result) => {
			process.stdout.write(`${JSON.stringify({ result })}\n`);
			process.exit(0);
		})
		.catch((error: unknown) => {
			process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			process.exit(1);
		});
}
