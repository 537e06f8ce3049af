import { compileFilter, evaluateFilter, FilterSyntaxError, parseFoRange, parseODataFilter, type FilterExpr } from '../../../lib/maps';

/** Every case runs through both the tree walker and the compiled filter `apply` uses, which must agree. */
const evaluate = (expr: FilterExpr, record: Record<string, unknown>): boolean => {
	const result = evaluateFilter(expr, record);
	expect({ record, compiled: compileFilter(expr)(record) }).toEqual({ record, compiled: result });
	return result;
};
const fo = (text: string, record: Record<string, unknown>) => evaluate(parseFoRange(text), record);
const dv = (text: string, record: Record<string, unknown>) => evaluate(parseODataFilter(text), record);
const syntaxError = (parse: (text: string) => unknown, text: string): FilterSyntaxError => {
	try {
		parse(text);
	} catch (error) {
		if (error instanceof FilterSyntaxError) return error;
		throw error;
	}
	throw new Error(`${text} parsed`);
};

describe('documented filter pairs (reference §1.3) agree', () => {
	const cases: Array<[string, string, Record<string, unknown>, boolean]> = [
		['startswith(name, \'A\')', '(name like "A*")', { name: 'Alpine' }, true],
		['startswith(name, \'A\')', '(name like "A*")', { name: 'beta' }, false],
		['not contains(name, \'A\')', '(!(name like "*A*"))', { name: 'Contoso' }, true],
		['not contains(name, \'A\')', '(!(name like "*A*"))', { name: 'Fabrikam' }, false],
		["TransactionDate le '2021-06-23'", '(TransactionDate <= 23\\06\\2021)', { TransactionDate: '2021-06-23T12:00:00Z' }, true],
		['TransactionDate le 2021-06-23', '(TransactionDate <= 23\\06\\2021)', { TransactionDate: '2021-06-24T12:00:00Z' }, false],
		['numberofemployees gt 1000 and numberofemployees le 2000', '((numberofemployees > 1000) && (numberofemployees <= 2000))', { numberofemployees: 1500 }, true],
		['numberofemployees gt 1000 and numberofemployees le 2000', '((numberofemployees > 1000) && (numberofemployees <= 2000))', { numberofemployees: 2001 }, false],
	];
	it.each(cases)('%s ≡ %s on %j', (odata, range, record, expected) => {
		// The date pair is written with a quoted string on the Dataverse side in Microsoft's table; both forms parse.
		if (!odata.includes("'2021")) expect(dv(odata, record)).toBe(expected);
		expect(fo(range, record)).toBe(expected);
	});

	it('enum: AccountType eq \'3\' / (AccountType == AccountType::Customer)', () => {
		expect(dv("AccountType eq '3'", { AccountType: 3 })).toBe(true);
		expect(fo('(AccountType == AccountType::Customer)', { AccountType: 'Customer' })).toBe(true);
		expect(fo('(AccountType == AccountType::Customer)', { AccountType: 'Vendor' })).toBe(false);
	});
});

describe('F&O query ranges', () => {
	it('catalog filters', () => {
		expect(fo('((PartyType == "Organization"))', { PartyType: 'Organization' })).toBe(true);
		expect(fo('((PartyType == "Organization"))', { PartyType: 'organization' })).toBe(true);
		expect(fo('((PartyType == "Organization"))', { PartyType: 'Person' })).toBe(false);
		expect(fo('((VendorPartyType == "Organization") || (VendorPartyType == "Person"))', { VendorPartyType: 'Person' })).toBe(true);
		expect(fo('((CurrencyCode != "999"))', { CurrencyCode: '999' })).toBe(false);
		expect(fo('(AssociatedContactType = 1)', { AssociatedContactType: 1 })).toBe(true);
	});

	it('operators and precedence: && binds tighter than ||', () => {
		expect(fo('(a == 1) || (b == 1) && (c == 1)', { a: 1, b: 0, c: 0 })).toBe(true);
		expect(fo('((a == 1) || (b == 1)) && (c == 1)', { a: 1, b: 0, c: 0 })).toBe(false);
		expect(fo('(a < 2) && (a >= 1) && (a != 3)', { a: 1 })).toBe(true);
		expect(fo('!(a > 1)', { a: 1 })).toBe(true);
	});

	it('like wildcards * and ?', () => {
		expect(fo('(n like "A?C*")', { n: 'abcdef' })).toBe(true);
		expect(fo('(n like "A?C*")', { n: 'ac' })).toBe(false);
		expect(fo('(n like "a.b")', { n: 'axb' })).toBe(false);
	});

	it('blanks equal "" and never satisfy an ordering', () => {
		expect(fo('(n == "")', { n: '' })).toBe(true);
		expect(fo('(n == "")', {})).toBe(true);
		expect(fo('(d > 01\\01\\2000)', { d: '1900-01-01T12:00:00Z' })).toBe(false);
	});

	it.each([
		['(a in (1,2))', 'in'],
		['(a == 1) + 2', '+'],
		['(a == 1', ''],
		['(a ~ 1)', '~'],
		['(a == 31\\02\\2021)', '31\\02\\2021'],
		['(a == 1) && ', ''],
		['', ''],
	])('rejects %j naming the token %j', (text, token) => {
		const error = syntaxError(parseFoRange, text);
		expect(error.token).toBe(token);
		if (token !== '') expect(error.message).toContain(token);
	});
});

describe('Dataverse OData filters', () => {
	it('catalog filters', () => {
		expect(dv('customertypecode eq 3', { customertypecode: 3 })).toBe(true);
		expect(dv('customertypecode eq 3', { customertypecode: 1 })).toBe(false);
		expect(dv('msdyn_sellable eq true and msdyn_contactpersonid ne null', { msdyn_sellable: true, msdyn_contactpersonid: 'C1' })).toBe(true);
		expect(dv('msdyn_sellable eq true and msdyn_contactpersonid ne null', { msdyn_sellable: true, msdyn_contactpersonid: null })).toBe(false);
		expect(dv('msdyn_ordertype eq 192350000', { msdyn_ordertype: 192350000 })).toBe(true);
	});

	it('string functions, not, or, parentheses, case-insensitive strings, escaped quotes', () => {
		expect(dv("endswith(name,'SO') or contains(name, 'x')", { name: 'Contoso' })).toBe(true);
		expect(dv("not (name eq 'CONTOSO')", { name: 'contoso' })).toBe(false);
		expect(dv("name eq 'O''Brien'", { name: "O'Brien" })).toBe(true);
		expect(dv('revenue ge 10.5 and revenue lt 11', { revenue: 10.5 })).toBe(true);
		expect(dv('x eq null', {})).toBe(true);
		expect(dv('created gt 2024-01-01T00:00:00Z', { created: '2024-02-01T00:00:00Z' })).toBe(true);
	});

	it.each([
		["tolower(name) eq 'a'", 'tolower'],
		["msdyn_company/cdm_companycode eq 'usmf'", 'msdyn_company/cdm_companycode'],
		['a has 1', 'has'],
		["a eq 'x", "'x"],
		['a eq b', 'b'],
		["name in ('a','b')", 'in'],
	])('rejects %j naming the token %j', (text, token) => {
		const error = syntaxError(parseODataFilter, text);
		expect(error.token.startsWith(token) || error.message.includes(token)).toBe(true);
	});
});

describe('compiled filters agree with evaluateFilter', () => {
	const actuals: unknown[] = [
		undefined,
		null,
		'',
		' ',
		'Organization',
		'organization',
		'ORGANIZATIONS',
		'Person',
		'12',
		'1900-01-01',
		'1900-01-01T12:00:00Z',
		'1900-01-01x',
		'İstanbul',
		12,
		-0.5,
		Number.NaN,
		true,
		false,
		{ a: 1 },
		new Date(0),
	];
	const expectedTexts = ['', ' ', 'Organization', 'organization', '12', ' 12 ', 'true', 'i̇stanbul', '1900-01-01'];
	const comparisons = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
	it.each(expectedTexts)('comparing with the text %j', (value) => {
		for (const comparison of comparisons) {
			const expr: FilterExpr = { op: 'compare', comparison, field: 'f', value };
			for (const actual of actuals) evaluate(expr, { f: actual });
		}
	});

	it('non-text expected values, matches and combinators', () => {
		const exprs: FilterExpr[] = [
			{ op: 'compare', comparison: 'eq', field: 'f', value: null },
			{ op: 'compare', comparison: 'gt', field: 'f', value: 3 },
			{ op: 'compare', comparison: 'eq', field: 'f', value: true },
			{ op: 'compare', comparison: 'le', field: 'f', value: { date: '2021-06-23' } },
			{ op: 'compare', comparison: 'eq', field: 'f', value: { symbol: 'Organization' } },
			{ op: 'match', how: 'like', field: 'f', pattern: 'O*n' },
			{ op: 'not', operand: { op: 'match', how: 'contains', field: 'f', pattern: 'g' } },
			{ op: 'or', left: { op: 'compare', comparison: 'eq', field: 'f', value: 'Person' }, right: { op: 'compare', comparison: 'ne', field: 'g', value: '' } },
		];
		for (const expr of exprs) for (const actual of actuals) evaluate(expr, { f: actual, g: actual });
	});
});
