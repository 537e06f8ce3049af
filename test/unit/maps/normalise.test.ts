import { canonical, FO_EMPTY_DATE, normalise, ValueTypeError } from '../../../lib/maps';

describe('normalise: as the target stores values', () => {
	it.each<[string, unknown, Parameters<typeof normalise>[1], unknown]>([
		['strings lose trailing spaces only', '  a b  ', { side: 'dataverse', kind: 'string' }, '  a b'],
		['a blank string is null on Dataverse', '', { side: 'dataverse', kind: 'string' }, null],
		['a null string is blank on F&O', null, { side: 'fo', kind: 'string' }, ''],
		['numbers as text for string columns', 42, { side: 'fo', kind: 'string' }, '42'],
		['decimal strings become numbers', '12.50', { side: 'dataverse', kind: 'decimal' }, 12.5],
		['decimals round half away from zero to the scale', 1.005, { side: 'dataverse', kind: 'decimal', scale: 2 }, 1.01],
		['negative rounding', -2.345, { side: 'fo', kind: 'decimal', scale: 2 }, -2.35],
		['-0 is 0', -0, { side: 'fo', kind: 'decimal' }, 0],
		['F&O has no null number', null, { side: 'fo', kind: 'decimal' }, 0],
		['Dataverse keeps null numbers', null, { side: 'dataverse', kind: 'integer' }, null],
		['F&O dates are noon UTC', '2021-06-23', { side: 'fo', kind: 'date' }, '2021-06-23T12:00:00Z'],
		['Dataverse dates are date-only', '2021-06-23T12:00:00Z', { side: 'dataverse', kind: 'date' }, '2021-06-23'],
		['dates from offsets are read in UTC', '2021-06-23T23:30:00-02:00', { side: 'dataverse', kind: 'date' }, '2021-06-24'],
		["F&O's empty date is null on Dataverse", FO_EMPTY_DATE, { side: 'dataverse', kind: 'date' }, null],
		['null dates are the empty date on F&O', null, { side: 'fo', kind: 'date' }, FO_EMPTY_DATE],
		['date-times to whole UTC seconds', '2024-03-01T10:20:30.999+01:00', { side: 'dataverse', kind: 'datetime' }, '2024-03-01T09:20:30Z'],
		['date-times without zone are UTC', '2024-03-01T10:20:30', { side: 'fo', kind: 'datetime' }, '2024-03-01T10:20:30Z'],
		["F&O's empty date-time is null", FO_EMPTY_DATE, { side: 'dataverse', kind: 'datetime' }, null],
		['enum symbols canonicalised by metadata', 'yes', { side: 'fo', kind: 'enum', options: [{ name: 'Yes', value: 'Yes' }] }, 'Yes'],
		['a null enum is left out on F&O', null, { side: 'fo', kind: 'enum' }, undefined],
		['choices are integers', '3', { side: 'dataverse', kind: 'choice' }, 3],
		['GUIDs lower-case, braces dropped', '{AB000000-0000-0000-0000-0000000000CD}', { side: 'dataverse', kind: 'guid' }, 'ab000000-0000-0000-0000-0000000000cd'],
		['unknown kind: null to F&O is blank text', null, { side: 'fo' }, ''],
		['unknown kind: numbers pass', 1.5, { side: 'fo' }, 1.5],
	])('%s', (_name, input, shape, expected) => {
		expect(normalise(input, shape)).toEqual(expected);
	});

	it.each<[unknown, Parameters<typeof normalise>[1]]>([
		['abc', { side: 'fo', kind: 'decimal' }],
		[1.5, { side: 'fo', kind: 'integer' }],
		['yes', { side: 'dataverse', kind: 'boolean' }],
		['2021-02-30', { side: 'fo', kind: 'date' }],
		['Maybe', { side: 'fo', kind: 'enum', options: [{ name: 'Yes', value: 'Yes' }] }],
		[9, { side: 'dataverse', kind: 'choice', options: [{ name: '1', value: 1 }] }],
		[{}, { side: 'dataverse', kind: 'string' }],
		[Infinity, { side: 'dataverse', kind: 'decimal' }],
	])('rejects %j as %j', (input, shape) => {
		expect(() => normalise(input, shape)).toThrow(ValueTypeError);
	});

	it('is idempotent', () => {
		const shapes: Array<Parameters<typeof normalise>[1]> = [
			{ side: 'fo', kind: 'date' },
			{ side: 'dataverse', kind: 'datetime' },
			{ side: 'fo', kind: 'string' },
			{ side: 'dataverse', kind: 'decimal', scale: 3 },
		];
		for (const shape of shapes) {
			for (const value of ['2021-06-23T12:00:00Z', '2024-01-01T00:00:00.5Z', ' x ', '1.23456', null]) {
				let once: unknown;
				try {
					once = normalise(value, shape);
				} catch {
					continue;
				}
				expect(normalise(once, shape)).toEqual(once);
			}
		}
	});

	it('canonical: the blanks of both sides are null', () => {
		expect([canonical(''), canonical(FO_EMPTY_DATE), canonical(undefined), canonical('00000000-0000-0000-0000-000000000000'), canonical(0), canonical(false)]).toEqual([
			null,
			null,
			null,
			null,
			0,
			false,
		]);
	});
});
