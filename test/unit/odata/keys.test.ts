import { enumType, formatKeySegment, parseKeySegment, type KeyField } from '../../../lib/odata';

const CUSTOMER_KEY: KeyField[] = [
	{ name: 'dataAreaId', type: 'Edm.String' },
	{ name: 'CustomerAccount', type: 'Edm.String' },
];

const HOSTILE = [
	"O'Brien",
	"' or 1 eq 1",
	"x' or 1 eq 1 or 'a",
	'Zürich 東京 🚀',
	'a/b',
	'100%',
	'%41',
	'#tag',
	'why?',
	'',
	'a b',
	"')/Other('",
	'k=v,w=x)',
	'back\\slash<>"',
];

describe('formatKeySegment', () => {
	it('writes an F&O composite key', () => {
		expect(formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: 'US-001' })).toBe(
			"(dataAreaId='usmf',CustomerAccount='US-001')",
		);
	});

	it('writes a Dataverse primary key bare', () => {
		expect(
			formatKeySegment('accounts', [{ name: 'accountid', type: 'Edm.Guid' }], { accountid: '00000000-0000-0000-0000-000000000001' }, { bare: true }),
		).toBe('(00000000-0000-0000-0000-000000000001)');
	});

	it('writes a Dataverse alternate key with a lookup part', () => {
		const fields: KeyField[] = [
			{ name: 'accountnumber', type: 'Edm.String' },
			{ name: '_msdyn_company_value', type: 'Edm.Guid' },
		];
		expect(
			formatKeySegment('accounts', fields, { accountnumber: 'A1', _msdyn_company_value: '11111111-2222-3333-4444-555555555555' }),
		).toBe("(accountnumber='A1',_msdyn_company_value=11111111-2222-3333-4444-555555555555)");
	});

	it('writes non-string key types', () => {
		const fields: KeyField[] = [
			{ name: 'RecId', type: 'Edm.Int64' },
			{ name: 'Status', type: enumType('SalesStatus') },
			{ name: 'At', type: 'Edm.DateTimeOffset' },
		];
		expect(formatKeySegment('X', fields, { RecId: 5637144576n, Status: 'Invoiced', At: new Date('2024-01-02T03:04:05Z') })).toBe(
			"(RecId=5637144576,Status=Microsoft.Dynamics.DataEntities.SalesStatus'Invoiced',At=2024-01-02T03:04:05Z)",
		);
	});

	it('percent-encodes after doubling quotes', () => {
		expect(formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: "O'Brien/100% #1?" })).toBe(
			"(dataAreaId='usmf',CustomerAccount='O''Brien%2F100%25%20%231%3F')",
		);
		expect(formatKeySegment('c', [{ name: 'n', type: 'Edm.String' }], { n: 'é' })).toBe("(n='%C3%A9')");
	});

	it.each(HOSTILE)('keeps %j inside the segment: no "/", "?", "#", space or raw "%" escapes', (value) => {
		const segment = formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: value });
		const inner = segment.slice(1, -1);
		expect(inner).not.toMatch(/[/?# ]/);
		expect(inner).not.toMatch(/%(?![0-9A-F]{2})/);
		// The URL parser sees one path segment, so the key cannot address another resource.
		const url = new URL(`https://fo.example/data/CustomersV3${segment}`);
		expect(url.pathname.split('/')).toHaveLength(3);
		expect(url.search).toBe('');
		expect(url.hash).toBe('');
	});

	it.each(HOSTILE)('round-trips %j through parseKeySegment', (value) => {
		const segment = formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: value });
		const parsed = parseKeySegment(`CustomersV3${segment}`);
		expect(parsed.entitySet).toBe('CustomersV3');
		expect(parsed.values).toEqual({ dataAreaId: 'usmf', CustomerAccount: value });
		expect(parsed.parts.map((part) => part.type)).toEqual(['Edm.String', 'Edm.String']);
	});

	it('names the entity and every missing field', () => {
		expect(() => formatKeySegment('CustomersV3', CUSTOMER_KEY, { CustomerAccount: 'US-001' })).toThrow(
			'CustomersV3: key field(s) dataAreaId missing (the key is dataAreaId, CustomerAccount)',
		);
		expect(() => formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: null })).toThrow(
			/CustomersV3: key field\(s\) dataAreaId, CustomerAccount missing/,
		);
	});

	it('names the entity and field when a value has the wrong type', () => {
		expect(() => formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: 1001 })).toThrow(
			'CustomersV3: key field CustomerAccount: Edm.String expects a string, got number 1001',
		);
		expect(() => formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'usmf', CustomerAccount: { a: 1 } })).toThrow(
			/CustomerAccount has an unsupported value of type object/,
		);
	});

	it('refuses bare composite keys, empty keys and invalid field names', () => {
		expect(() => formatKeySegment('CustomersV3', CUSTOMER_KEY, { dataAreaId: 'a', CustomerAccount: 'b' }, { bare: true })).toThrow(
			/only a single-field key can be written bare/,
		);
		expect(() => formatKeySegment('CustomersV3', [], {})).toThrow(/at least one field/);
		expect(() => formatKeySegment('X', [{ name: "a='1'", type: 'Edm.String' }], { "a='1'": 'x' })).toThrow(/invalid key field name/);
	});

	it('refuses strings that cannot be UTF-8 encoded', () => {
		expect(() => formatKeySegment('c', [{ name: 'n', type: 'Edm.String' }], { n: 'bad\uD800' })).toThrow(/unpaired UTF-16 surrogate/);
	});
});

describe('parseKeySegment', () => {
	it('reads a bare GUID key', () => {
		expect(parseKeySegment('accounts(00000000-0000-0000-0000-000000000001)')).toEqual({
			entitySet: 'accounts',
			parts: [{ type: 'Edm.Guid', value: '00000000-0000-0000-0000-000000000001' }],
			values: {},
		});
	});

	it('reads keys encoded by other clients (%27 quotes, encoded commas)', () => {
		const parsed = parseKeySegment('(dataAreaId=%27usmf%27%2CCustomerAccount=%27O%27%27Brien%27)');
		expect(parsed.values).toEqual({ dataAreaId: 'usmf', CustomerAccount: "O'Brien" });
	});

	it('reads typed parts', () => {
		const parsed = parseKeySegment(
			"(accountnumber='A1',_msdyn_company_value=11111111-2222-3333-4444-555555555555,Qty=3,Gender=Microsoft.Dynamics.DataEntities.Gender'Male')",
		);
		expect(parsed.values).toEqual({
			accountnumber: 'A1',
			_msdyn_company_value: '11111111-2222-3333-4444-555555555555',
			Qty: 3,
			Gender: 'Male',
		});
		expect(parsed.parts[3].type).toEqual({ kind: 'enum', namespace: 'Microsoft.Dynamics.DataEntities', name: 'Gender' });
	});

	it.each([
		['no parentheses', 'CustomersV3'],
		['unterminated string', "(a='x)"],
		['unescaped quote', "(a='x'y')"],
		['empty value', '(a=)'],
		['mixed named and bare', "(1,a='x')"],
		['duplicate field', "(a='x',a='y')"],
		['bad entity name', "Bad-Name(a='x')"],
		['malformed percent', "(a='%E0%A4%A')"],
	])('rejects %s', (_label, segment) => {
		expect(() => parseKeySegment(segment)).toThrow();
	});
});
