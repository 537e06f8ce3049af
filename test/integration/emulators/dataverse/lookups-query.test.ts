import { startHarness, type Harness } from './harness';

let h: Harness;
let usmf: string;
beforeAll(async () => {
	h = await startHarness({ project: ['customerGroups', 'paymentTerms'] });
	usmf = await h.companyId('usmf');
});
afterAll(() => h.close());

describe('@odata.bind lookups', () => {
	it('binds by GUID and by alternate key (incl. the company), and reads back _x_value', async () => {
		const usd = (await h.req('GET', "transactioncurrencies(isocurrencycode='USD')")).json.transactioncurrencyid as string;
		const r = await h.req('PATCH', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})`, {
			headers: { prefer: 'return=representation' },
			body: {
				name: 'Lookups',
				'transactioncurrencyid@odata.bind': `/transactioncurrencies(${usd})`,
				'msdyn_customergroupid@odata.bind': `/msdyn_customergroups(msdyn_groupid='10',_msdyn_company_value=${usmf})`,
				'msdyn_paymentterm@odata.bind': `${h.api}/msdyn_paymentterms(msdyn_name='Net30',_msdyn_company_value=${usmf})`,
			},
		});
		expect(r.status).toBe(201);
		expect(r.json._transactioncurrencyid_value).toBe(usd);
		const group = (await h.req('GET', `msdyn_customergroups(msdyn_groupid='10',_msdyn_company_value=${usmf})`)).json;
		expect(r.json._msdyn_customergroupid_value).toBe(group.msdyn_customergroupid);
		expect(r.json._msdyn_paymentterm_value).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('adds lookup annotations with odata.include-annotations="*"', async () => {
		const r = await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})?$select=_transactioncurrencyid_value,customertypecode`, {
			headers: { prefer: 'odata.include-annotations="*"' },
		});
		expect(r.json['_transactioncurrencyid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('transactioncurrency');
		expect(r.json['_transactioncurrencyid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe('transactioncurrencyid');
		expect(r.json['_transactioncurrencyid_value@OData.Community.Display.V1.FormattedValue']).toBe('US Dollar');
		expect(r.headers.get('preference-applied')).toBe('odata.include-annotations="*"');
		const plain = await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})?$select=_transactioncurrencyid_value`);
		expect(Object.keys(plain.json).some((k) => k.includes('@Microsoft'))).toBe(false);
	});

	it('formats choice values with FormattedValue annotations', async () => {
		await h.req('PATCH', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})`, { body: { customertypecode: 3 } });
		const r = await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})?$select=customertypecode`, {
			headers: { prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
		});
		expect(r.json['customertypecode@OData.Community.Display.V1.FormattedValue']).toBe('Customer');
	});

	it.each([
		['a missing GUID', '/transactioncurrencies(00000000-0000-4000-8000-000000000000)', /transactioncurrency With Id = 00000000-0000-4000-8000-000000000000 Does Not Exist/],
		['a missing alternate key', "/msdyn_customergroups(msdyn_groupid='NOPE',_msdyn_company_value=COMPANY)", /A record with the specified key values does not exist in msdyn_customergroup entity/],
	])('binding %s is a clear 400 and creates nothing', async (_label, bind, message) => {
		const before = (await h.req('GET', 'accounts/$count')).text;
		const nav = bind.startsWith('/transaction') ? 'transactioncurrencyid' : 'msdyn_customergroupid';
		const r = await h.req('POST', 'accounts', { body: { name: 'dangling', [`${nav}@odata.bind`]: bind.replace('COMPANY', usmf) } });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(message);
		expect((await h.req('GET', 'accounts/$count')).text).toBe(before);
	});

	it('binding to the wrong entity set is a 400', async () => {
		const r = await h.req('POST', 'accounts', { body: { name: 'wrong set', 'transactioncurrencyid@odata.bind': `/cdm_companies(${usmf})` } });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/not the target of the navigation property/);
	});

	it('polymorphic lookups bind through <column>_<table> navigation properties', async () => {
		const acc = await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})`);
		const r = await h.req('POST', 'contacts', {
			headers: { prefer: 'return=representation,odata.include-annotations="*"' },
			body: { lastname: 'Poly', 'parentcustomerid_account@odata.bind': `/accounts(${acc.json.accountid as string})` },
		});
		expect(r.status).toBe(201);
		expect(r.json._parentcustomerid_value).toBe(acc.json.accountid);
		const read = await h.req('GET', `contacts(${r.json.contactid as string})?$select=_parentcustomerid_value`, { headers: { prefer: 'odata.include-annotations="*"' } });
		expect(read.json['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
		expect(read.json['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe('parentcustomerid_account');
	});

	it('$expand of a lookup returns the related row with its $select', async () => {
		const r = await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})?$select=name&$expand=msdyn_company($select=cdm_companycode)`);
		expect(r.json.msdyn_company).toMatchObject({ cdm_companycode: 'usmf', cdm_companyid: usmf });
		expect(r.json.msdyn_company).not.toHaveProperty('cdm_name');
	});

	it('a null bind clears the lookup', async () => {
		await h.req('PATCH', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})`, { body: { 'transactioncurrencyid@odata.bind': null } });
		expect((await h.req('GET', `accounts(accountnumber='LK-1',_msdyn_company_value=${usmf})`)).json._transactioncurrencyid_value).toBeNull();
	});
});

describe('queries', () => {
	beforeAll(async () => {
		for (let i = 1; i <= 12; i++) {
			await h.req('PATCH', `accounts(accountnumber='Q-${String(i).padStart(2, '0')}',_msdyn_company_value=${usmf})`, {
				body: { name: `Query ${String(i).padStart(2, '0')}`, numberofemployees: i * 10, creditlimit: i % 3 === 0 ? null : i * 100 },
			});
		}
	});

	it('$select limits columns and shapes @odata.context', async () => {
		const r = await h.req('GET', "accounts?$select=name,_msdyn_company_value&$filter=accountnumber eq 'Q-01'");
		expect(r.json['@odata.context']).toBe(`${h.api}/$metadata#accounts(name,_msdyn_company_value)`);
		expect(Object.keys(r.json.value[0]).sort()).toEqual(['@odata.etag', '_msdyn_company_value', 'accountid', 'name']);
	});

	it('$filter with comparisons, functions and lookups', async () => {
		const r = await h.req('GET', `accounts?$select=accountnumber&$filter=startswith(accountnumber,'Q-') and numberofemployees ge 100 and _msdyn_company_value eq ${usmf}&$orderby=accountnumber`);
		expect(r.json.value.map((v: { accountnumber: string }) => v.accountnumber)).toEqual(['Q-10', 'Q-11', 'Q-12']);
	});

	it("treats x' or 1 eq 1 or 'a as a literal (no injection)", async () => {
		const hostile = "x' or 1 eq 1 or 'a";
		const lit = hostile.replace(/'/g, "''");
		const r = await h.req('GET', `accounts?$filter=name eq '${encodeURIComponent(lit)}'`);
		expect(r.status).toBe(200);
		expect(r.json.value).toHaveLength(0);
		await h.req('PATCH', `accounts(accountnumber='INJ',_msdyn_company_value=${usmf})`, { body: { name: hostile } });
		const hit = await h.req('GET', `accounts?$select=name&$filter=name eq '${encodeURIComponent(lit)}'`);
		expect(hit.json.value).toEqual([expect.objectContaining({ name: hostile })]);
	});

	it('$orderby desc with $top', async () => {
		const r = await h.req('GET', "accounts?$select=accountnumber&$filter=startswith(accountnumber,'Q-')&$orderby=numberofemployees desc&$top=2");
		expect(r.json.value.map((v: { accountnumber: string }) => v.accountnumber)).toEqual(['Q-12', 'Q-11']);
	});

	it('$count=true adds @odata.count; /$count returns a bare number', async () => {
		const r = await h.req('GET', "accounts?$select=name&$filter=startswith(accountnumber,'Q-')&$count=true");
		expect(r.json['@odata.count']).toBe(12);
		const c = await h.req('GET', "accounts/$count?$filter=startswith(accountnumber,'Q-')");
		expect(c.text).toBe('12');
	});

	it('null filters: eq null and ne null', async () => {
		const r = await h.req('GET', "accounts?$select=accountnumber&$filter=startswith(accountnumber,'Q-') and creditlimit eq null");
		expect(r.json.value).toHaveLength(4);
	});

	it.each([
		['$skip', '$skip=1', /The query parameter \$skip is not supported/],
		['an unknown column in $filter', "$filter=nosuch eq 'x'", /Could not find a property named 'nosuch' on type 'Microsoft\.Dynamics\.CRM\.account'/],
		['an unknown column in $select', '$select=nosuch', /Could not find a property named 'nosuch'/],
		['an unknown column in $orderby', '$orderby=nosuch', /Could not find a property named 'nosuch'/],
		['a syntax error in $filter', '$filter=name eq', /Invalid \$filter/],
		['a type mismatch in $filter', "$filter=numberofemployees eq 'ten'", /Invalid \$filter/],
		['a bad $top', '$top=-1', /\$top/],
		['an unknown system option', '$search=x', /The query parameter \$search is not supported/],
	])('%s -> 400', async (_label, q, message) => {
		const r = await h.req('GET', `accounts?${q}`);
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(message);
	});

	it('pages with Prefer: odata.maxpagesize, $skiptoken nextLinks and Preference-Applied', async () => {
		const q = "accounts?$select=accountnumber&$filter=startswith(accountnumber,'Q-')&$orderby=accountnumber";
		const seen: string[] = [];
		let url: string | undefined = q;
		let pages = 0;
		while (url) {
			const r = await h.req('GET', url, { headers: { prefer: 'odata.maxpagesize=5' } });
			expect(r.status).toBe(200);
			expect(r.headers.get('preference-applied')).toBe('odata.maxpagesize=5');
			expect(r.json.value.length).toBeLessThanOrEqual(5);
			seen.push(...r.json.value.map((v: { accountnumber: string }) => v.accountnumber));
			url = r.json['@odata.nextLink'] as string | undefined;
			if (url) expect(url).toMatch(/\$skiptoken=%3Ccookie%20pagenumber%3D%22\d+%22/);
			pages++;
		}
		expect(pages).toBe(3);
		expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `Q-${String(i + 1).padStart(2, '0')}`));
	});

	it('caps odata.maxpagesize at 5,000', async () => {
		const r = await h.req('GET', 'accounts?$select=name', { headers: { prefer: 'odata.maxpagesize=99999' } });
		expect(r.headers.get('preference-applied')).toBe('odata.maxpagesize=5000');
	});
});
