import { INTEGRATION_APP, signToken, TENANT_ID } from '../../../../emulators/common/directory';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

describe('authentication', () => {
	const expectChallenge = (r: { status: number; headers: Headers; text: string }) => {
		expect(r.status).toBe(401);
		expect(r.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=https:\/\/login\.microsoftonline\.com\/.+\/oauth2\/authorize/);
		expect(r.text).toBe('');
	};

	it('rejects a request without a token with 401, a Bearer challenge and an empty body', async () => {
		expectChallenge(await h.req('GET', 'accounts', { token: null }));
	});

	it('rejects a malformed or forged token', async () => {
		expectChallenge(await h.req('GET', 'accounts', { token: 'not-a-jwt' }));
		const [head, body] = h.tokens.integration.split('.');
		expectChallenge(await h.req('GET', 'accounts', { token: `${head}.${body}.${Buffer.from('forged').toString('base64url')}` }));
	});

	it('rejects an expired token', async () => {
		const now = Math.floor(Date.now() / 1000);
		const expired = signToken({ aud: h.url, iss: 'x', iat: now - 7200, nbf: now - 7200, exp: now - 3600, appid: INTEGRATION_APP.clientId, oid: INTEGRATION_APP.objectId, tid: TENANT_ID, ver: '2.0' });
		expectChallenge(await h.req('GET', 'accounts', { token: expired }));
	});

	it('rejects a token issued for another audience', async () => {
		const other = await h.getToken(INTEGRATION_APP, 'https://contoso.operations.dynamics.com/.default');
		expectChallenge(await h.req('GET', 'accounts', { token: other }));
	});

	it('answers 403 "not a member of the organization" for a disabled application user, and recovers', async () => {
		await h.req('POST', `/_emulator/appusers/${INTEGRATION_APP.clientId}/disable`, { token: null });
		const r = await h.req('GET', 'WhoAmI');
		expect(r.status).toBe(403);
		expect(r.json).toEqual({ error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });
		await h.req('POST', `/_emulator/appusers/${INTEGRATION_APP.clientId}/enable`, { token: null });
		expect((await h.req('GET', 'WhoAmI')).status).toBe(200);
	});
});

describe('WhoAmI, service document, versions', () => {
	it('WhoAmI returns the calling app user', async () => {
		const r = await h.req('GET', 'WhoAmI');
		expect(r.status).toBe(200);
		expect(r.json).toMatchObject({ UserId: INTEGRATION_APP.objectId });
		expect(r.json.BusinessUnitId).toMatch(/^[0-9a-f-]{36}$/);
		expect(r.json.OrganizationId).toMatch(/^[0-9a-f-]{36}$/);
		expect(r.headers.get('odata-version')).toBe('4.0');
	});

	it('accepts v9.0 and v9.1 and echoes the version in URLs', async () => {
		for (const v of ['v9.0', 'v9.1']) {
			const r = await h.req('GET', `/api/data/${v}/cdm_companies?$select=cdm_companycode`);
			expect(r.status).toBe(200);
			expect(r.json['@odata.context']).toBe(`${h.url}/api/data/${v}/$metadata#cdm_companies(cdm_companycode)`);
		}
		expect((await h.req('GET', '/api/data/v8.2/accounts')).status).toBe(404);
	});

	it('lists every entity set in the service document', async () => {
		const r = await h.req('GET', '');
		const names = (r.json.value as Array<{ name: string }>).map((v) => v.name);
		for (const set of ['accounts', 'contacts', 'cdm_companies', 'transactioncurrencies', 'uoms', 'msdyn_customergroups', 'msdyn_paymentterms', 'msdyn_vendors', 'products', 'msdyn_warehouses', 'msdyn_operationalsites', 'salesorders', 'salesorderdetails', 'serviceendpoints', 'sdkmessageprocessingsteps', 'sdkmessages', 'sdkmessagefilters']) {
			expect(names).toContain(set);
		}
	});

	it('answers 404 for an unknown entity set', async () => {
		const r = await h.req('GET', 'widgets');
		expect(r.status).toBe(404);
		expect(r.json.error.message).toBe("Resource not found for the segment 'widgets'.");
	});

	it('answers 405 for a verb the resource does not support', async () => {
		expect((await h.req('PUT', 'accounts', { body: {} })).status).toBe(405);
		expect((await h.req('DELETE', 'accounts')).status).toBe(405);
	});
});

describe('$metadata', () => {
	let xml: string;
	beforeAll(async () => {
		const r = await h.req('GET', '$metadata');
		expect(r.headers.get('content-type')).toContain('application/xml');
		xml = r.text;
	});

	it('declares entity types with their primary key', () => {
		expect(xml).toMatch(/<EntityType Name="account" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="accountid" \/><\/Key>/);
	});

	it('types properties and carries string max lengths', () => {
		expect(xml).toContain('<Property Name="name" Type="Edm.String" MaxLength="160">');
		expect(xml).toContain('<Property Name="creditlimit" Type="Edm.Decimal">');
		expect(xml).toContain('<Property Name="createdon" Type="Edm.DateTimeOffset">');
		expect(xml).toContain('<Property Name="versionnumber" Type="Edm.Int64">');
	});

	it('has _x_value properties and navigation properties for lookups', () => {
		expect(xml).toContain('<Property Name="_msdyn_company_value" Type="Edm.Guid" />');
		expect(xml).toMatch(/<NavigationProperty Name="msdyn_company" Type="mscrm.cdm_company"[^>]*><ReferentialConstraint Property="_msdyn_company_value" ReferencedProperty="cdm_companyid" \/>/);
		expect(xml).toContain('<NavigationProperty Name="parentcustomerid_account" Type="mscrm.account"');
	});

	it('declares alternate keys with the company lookup as _x_value', () => {
		const account = /<EntityType Name="account"[\s\S]*?<\/EntityType>/.exec(xml)?.[0] ?? '';
		expect(account).toContain('OData.Community.Keys.V1.AlternateKeys');
		expect(account).toContain('<PropertyValue Property="Name" PropertyPath="accountnumber" />');
		expect(account).toContain('<PropertyValue Property="Name" PropertyPath="_msdyn_company_value" />');
		expect(account).toContain('<PropertyValue Property="Name" String="msdyn_account_company_key" />');
	});

	it('shows change tracking on every entity set with ?annotations=true', async () => {
		const r = await h.req('GET', '$metadata?annotations=true');
		const sets = r.text.match(/<EntitySet [\s\S]*?<\/EntitySet>/g) ?? [];
		expect(sets.length).toBeGreaterThan(15);
		for (const s of sets) expect(s).toContain('Org.OData.Capabilities.V1.ChangeTracking');
		expect(xml).not.toContain('Org.OData.Capabilities.V1.ChangeTracking"><Record>');
	});
});
