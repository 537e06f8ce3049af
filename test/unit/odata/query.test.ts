import {
	and,
	anyOf,
	buildQueryString,
	enumType,
	eq,
	ge,
	lt,
	ne,
	not,
	or,
	rawFilter,
	stringFunction,
	withQuery,
} from '../../../lib/odata';

describe('filter builder', () => {
	it('emits comparisons through literals', () => {
		expect(eq('CustomerAccount', "O'Brien", 'Edm.String').text).toBe("CustomerAccount eq 'O''Brien'");
		expect(ne('accountcategorycode', 2, 'Edm.Int32').text).toBe('accountcategorycode ne 2');
		expect(eq('PersonGender', 'Unknown', enumType('Gender')).text).toBe(
			"PersonGender eq Microsoft.Dynamics.DataEntities.Gender'Unknown'",
		);
		expect(eq('parentaccountid/name', null, 'Edm.String').text).toBe('parentaccountid/name eq null');
		expect(ge('modifiedon', new Date('2024-01-01T00:00:00Z'), 'Edm.DateTimeOffset').text).toBe('modifiedon ge 2024-01-01T00:00:00Z');
	});

	it('keeps a hostile value a single literal', () => {
		const filter = and(eq('dataAreaId', 'usmf', 'Edm.String'), eq('Name', "x' or 1 eq 1 or 'a", 'Edm.String'));
		expect(filter.text).toBe("dataAreaId eq 'usmf' and Name eq 'x'' or 1 eq 1 or ''a'");
	});

	it('refuses field names that are not property paths', () => {
		expect(() => eq('Name eq 1 or Name', 'x', 'Edm.String')).toThrow(/Invalid OData property path/);
		expect(() => eq('', 'x', 'Edm.String')).toThrow(/Invalid OData property path/);
	});

	it('parenthesises nested compounds of the other kind', () => {
		const a = eq('a', 1, 'Edm.Int32');
		const b = eq('b', 2, 'Edm.Int32');
		const c = eq('c', 3, 'Edm.Int32');
		expect(and(or(a, b), c).text).toBe('(a eq 1 or b eq 2) and c eq 3');
		expect(or(and(a, b), c).text).toBe('(a eq 1 and b eq 2) or c eq 3');
		expect(and(and(a, b), c).text).toBe('a eq 1 and b eq 2 and c eq 3');
		expect(and(a).text).toBe('a eq 1');
		expect(not(or(a, b)).text).toBe('not (a eq 1 or b eq 2)');
		expect(and(not(a), lt('d', 4, 'Edm.Int32')).text).toBe('not (a eq 1) and d lt 4');
	});

	it('treats raw filters as loosest-binding', () => {
		expect(and(rawFilter("a eq 1 or b eq 'x'"), eq('c', 3, 'Edm.Int32')).text).toBe("(a eq 1 or b eq 'x') and c eq 3");
		expect(() => rawFilter('  ')).toThrow(/non-empty/);
	});

	it('expands anyOf into or-ed equalities (F&O has no "in")', () => {
		expect(anyOf('CustomerGroupId', ['10', "2'0"], 'Edm.String').text).toBe("CustomerGroupId eq '10' or CustomerGroupId eq '2''0'");
		expect(() => anyOf('x', [], 'Edm.String')).toThrow(/at least one value/);
		expect(() => and()).toThrow(/at least one filter/);
	});

	it('writes Dataverse string functions with quoted values', () => {
		expect(stringFunction('startswith', 'name', "O'B").text).toBe("startswith(name,'O''B')");
	});
});

describe('buildQueryString', () => {
	it('returns an empty string when there is nothing to add', () => {
		expect(buildQueryString({})).toBe('');
		expect(withQuery('https://x/data/CustomersV3', {})).toBe('https://x/data/CustomersV3');
	});

	it('encodes spaces as %20 and keeps $ , \' ( ) readable', () => {
		const query = buildQueryString({
			filter: and(eq('dataAreaId', 'usmf', 'Edm.String'), eq('Name', 'A & B + C #1', 'Edm.String')),
			select: ['CustomerAccount', 'Name'],
			orderBy: ['CustomerAccount', { field: 'Name', descending: true }],
			top: 100,
			skip: 200,
			count: true,
			expand: ['Lines', { navigation: 'Header', select: ['a', 'b'] }],
			params: { 'cross-company': true },
		});
		expect(query).toBe(
			"?$filter=dataAreaId%20eq%20'usmf'%20and%20Name%20eq%20'A%20%26%20B%20%2B%20C%20%231'" +
				'&$select=CustomerAccount,Name&$expand=Lines,Header($select%3Da,b)&$orderby=CustomerAccount,Name%20desc' +
				'&$top=100&$skip=200&$count=true&cross-company=true',
		);
		expect(query).not.toContain('+');
		expect(query).not.toContain(' ');
	});

	it('decodes back to the same parameters with a standard parser', () => {
		const value = "Zürich's \"best\" = 100% & more; #1?";
		const query = buildQueryString({ filter: eq('Name', value, 'Edm.String'), params: { tag: 'dw' } });
		const params = new URLSearchParams(query);
		expect(params.get('$filter')).toBe(`Name eq '${value.replace(/'/g, "''")}'`);
		expect(params.get('tag')).toBe('dw');
		expect([...params.keys()]).toEqual(['$filter', 'tag']);
	});

	it('appends to a URL that already has a query', () => {
		expect(withQuery('https://x/data/CustomersV3?cross-company=true', { top: 1 })).toBe(
			'https://x/data/CustomersV3?cross-company=true&$top=1',
		);
	});

	it('rejects invalid options', () => {
		expect(() => buildQueryString({ top: -1 })).toThrow(/\$top must be a non-negative integer/);
		expect(() => buildQueryString({ skip: 1.5 })).toThrow(/\$skip must be a non-negative integer/);
		expect(() => buildQueryString({ select: [] })).toThrow(/at least one field/);
		expect(() => buildQueryString({ select: ['a,b'] })).toThrow(/Invalid OData property path/);
		expect(() => buildQueryString({ params: { $filter: 'x' } })).toThrow(/typed options/);
	});

	it('skips undefined extra parameters', () => {
		expect(buildQueryString({ params: { 'cross-company': undefined, tag: 'a b' } })).toBe('?tag=a%20b');
	});
});
