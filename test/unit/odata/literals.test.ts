import { enumType, formatLiteral, parseLiteral, type EdmType, type ODataValue } from '../../../lib/odata';

const HOSTILE_STRINGS = [
	"O'Brien",
	"x' or 1 eq 1 or 'a",
	"' or 1 eq 1",
	"''",
	"'",
	'',
	'Zürich – 東京 🚀',
	'a/b?c#d%e&f=g+h',
	'trailing space ',
	'line\nbreak',
	"')",
	"'),k=('",
];

describe('formatLiteral: strings', () => {
	it('doubles single quotes', () => {
		expect(formatLiteral("O'Brien", 'Edm.String')).toBe("'O''Brien'");
	});

	it('keeps a hostile value inside one literal', () => {
		const literal = formatLiteral("x' or 1 eq 1 or 'a", 'Edm.String');
		expect(literal).toBe("'x'' or 1 eq 1 or ''a'");
		// Exactly one literal: the parser reads it back whole and as a string.
		expect(parseLiteral(literal)).toEqual({ type: 'Edm.String', value: "x' or 1 eq 1 or 'a" });
	});

	it.each(HOSTILE_STRINGS)('round-trips %j', (value) => {
		const literal = formatLiteral(value, 'Edm.String');
		expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
		// Between the outer quotes, every quote is doubled.
		expect(literal.slice(1, -1).replace(/''/g, '')).not.toContain("'");
		expect(parseLiteral(literal)).toEqual({ type: 'Edm.String', value });
	});

	it('rejects a non-string for Edm.String', () => {
		expect(() => formatLiteral(5, 'Edm.String')).toThrow(/Edm.String expects a string, got number 5/);
	});
});

describe('formatLiteral: other types', () => {
	const cases: [ODataValue, EdmType, string][] = [
		['00000000-0000-0000-0000-000000000001', 'Edm.Guid', '00000000-0000-0000-0000-000000000001'],
		[42, 'Edm.Int32', '42'],
		[-2147483648, 'Edm.Int32', '-2147483648'],
		[9007199254740991, 'Edm.Int64', '9007199254740991'],
		[5637144576n, 'Edm.Int64', '5637144576'],
		['9223372036854775807', 'Edm.Int64', '9223372036854775807'],
		[5000000.25, 'Edm.Decimal', '5000000.25'],
		[1e-7, 'Edm.Decimal', '0.0000001'],
		[1.5e21, 'Edm.Decimal', '1500000000000000000000'],
		['12345678901234567890.123456', 'Edm.Decimal', '12345678901234567890.123456'],
		[-0.5, 'Edm.Double', '-0.5'],
		[1e300, 'Edm.Double', '1e+300'],
		[true, 'Edm.Boolean', 'true'],
		[false, 'Edm.Boolean', 'false'],
		[null, 'Edm.String', 'null'],
		[null, 'Edm.Int32', 'null'],
		['2024-02-29', 'Edm.Date', '2024-02-29'],
		[new Date('2024-01-31T23:30:00Z'), 'Edm.Date', '2024-01-31'],
		[new Date('1900-01-01T12:00:00Z'), 'Edm.DateTimeOffset', '1900-01-01T12:00:00Z'],
		[new Date('2024-05-06T07:08:09.123Z'), 'Edm.DateTimeOffset', '2024-05-06T07:08:09.123Z'],
		['2024-05-06T09:08:09+02:00', 'Edm.DateTimeOffset', '2024-05-06T07:08:09Z'],
		['2024-05-06T07:08:09.1234567Z', 'Edm.DateTimeOffset', '2024-05-06T07:08:09.1234567Z'],
		['Unknown', enumType('Gender'), "Microsoft.Dynamics.DataEntities.Gender'Unknown'"],
		['Yes', enumType('NoYes', 'Custom.Ns'), "Custom.Ns.NoYes'Yes'"],
	];
	it.each(cases)('%p as %j -> %s', (value, type, expected) => {
		expect(formatLiteral(value, type)).toBe(expected);
	});

	it.each([
		[Number.NaN, 'Edm.Double'],
		[Number.POSITIVE_INFINITY, 'Edm.Double'],
		[Number.NEGATIVE_INFINITY, 'Edm.Decimal'],
		[Number.NaN, 'Edm.Int32'],
		[Number.NaN, 'Edm.Int64'],
	] as const)('rejects %p for %s with a clear error', (value, type) => {
		expect(() => formatLiteral(value, type)).toThrow(/only finite numbers are allowed/);
	});

	it.each([
		[1.5, 'Edm.Int32', /not an integer/],
		[2147483648, 'Edm.Int32', /not an integer in/],
		[2 ** 60, 'Edm.Int64', /not a safe integer/],
		[2n ** 63n, 'Edm.Int64', /out of range/],
		['12a', 'Edm.Int64', /Edm.Int64 expects/],
		['1,5', 'Edm.Decimal', /Edm.Decimal expects/],
		['not-a-guid', 'Edm.Guid', /Invalid Edm.Guid/],
		["00000000-0000-0000-0000-000000000001' or 'a", 'Edm.Guid', /Invalid Edm.Guid/],
		['true', 'Edm.Boolean', /Edm.Boolean expects a boolean/],
		['2024-02-30', 'Edm.Date', /Edm.Date expects/],
		['2024-01-01T00:00:00', 'Edm.DateTimeOffset', /with a time zone/],
		[new Date('garbage'), 'Edm.DateTimeOffset', /invalid Date/],
		['2024-13-01T00:00:00Z', 'Edm.DateTimeOffset', /Edm.DateTimeOffset expects/],
	] as [ODataValue, EdmType, RegExp][])('rejects %p for %s', (value, type, message) => {
		expect(() => formatLiteral(value, type)).toThrow(message);
	});

	it('refuses an enum symbol that is not an identifier, so it cannot carry syntax', () => {
		expect(() => formatLiteral("Yes' or 1 eq 1 or 'a", enumType('NoYes'))).toThrow(/enum symbol name/);
		expect(() => enumType("NoYes'")).toThrow(/Invalid OData enum type name/);
	});
});

describe('parseLiteral', () => {
	it.each([
		['null', { type: null, value: null }],
		['true', { type: 'Edm.Boolean', value: true }],
		['42', { type: 'Edm.Int32', value: 42 }],
		['5637144576', { type: 'Edm.Int64', value: 5637144576 }],
		['9223372036854775807', { type: 'Edm.Int64', value: 9223372036854775807n }],
		['12.5', { type: 'Edm.Decimal', value: 12.5 }],
		['12345678901234567890.123456', { type: 'Edm.Decimal', value: '12345678901234567890.123456' }],
		['1e+300', { type: 'Edm.Double', value: 1e300 }],
		['2024-01-31', { type: 'Edm.Date', value: '2024-01-31' }],
		['2024-01-31T10:00:00Z', { type: 'Edm.DateTimeOffset', value: '2024-01-31T10:00:00Z' }],
		['ABCDEF00-0000-0000-0000-000000000001', { type: 'Edm.Guid', value: 'ABCDEF00-0000-0000-0000-000000000001' }],
		[
			"Microsoft.Dynamics.DataEntities.Gender'Unknown'",
			{ type: { kind: 'enum', namespace: 'Microsoft.Dynamics.DataEntities', name: 'Gender' }, value: 'Unknown' },
		],
	])('reads %s', (text, expected) => {
		expect(parseLiteral(text)).toEqual(expected);
	});

	it.each(["'unterminated", "'a'b'", 'bare words', "'''"])('rejects %j', (text) => {
		expect(() => parseLiteral(text)).toThrow(SyntaxError);
	});

	it('round-trips every non-string type it can read', () => {
		const samples: [ODataValue, EdmType][] = [
			[7, 'Edm.Int32'],
			['2024-01-31', 'Edm.Date'],
			['2024-01-31T10:00:00Z', 'Edm.DateTimeOffset'],
			['00000000-0000-0000-0000-00000000000a', 'Edm.Guid'],
			['No', enumType('NoYes')],
		];
		for (const [value, type] of samples) {
			expect(parseLiteral(formatLiteral(value, type))).toEqual({ type, value });
		}
	});
});
