import { DiffValueError, diffRecord } from '../../../lib/sync';

describe('diffRecord: only fields whose normalised values differ', () => {
	it('trailing spaces, decimal strings, -0 and GUID case compare equal: no-change', () => {
		const result = diffRecord(
			{ name: 'Contoso  ', creditlimit: '1250.50', numberofemployees: -0, _parent: '6D81597F-0000-4000-8000-000000000001' },
			{ name: 'Contoso', creditlimit: 1250.5, numberofemployees: 0, _parent: '6d81597f-0000-4000-8000-000000000001' },
			{ side: 'dataverse', shapes: { creditlimit: { kind: 'decimal', scale: 2 }, numberofemployees: { kind: 'integer' }, _parent: { kind: 'guid' } } },
		);
		expect(result.decision).toBe('no-change');
		expect(result.changes).toEqual({});
		expect(result.reason).toMatch(/already holds every mapped value/);
	});

	it('returns just the differing fields, with canonical from/to', () => {
		const result = diffRecord({ name: 'Contoso', creditlimit: 99.999, telephone1: '555' }, { name: 'Contoso', creditlimit: 100, telephone1: '556' }, { side: 'dataverse', shapes: { creditlimit: { kind: 'decimal', scale: 2 } } });
		// 99.999 rounds to 100.00 at scale 2: the same stored value.
		expect(result.changes).toEqual({ telephone1: '555' });
		expect(result.differences).toEqual([{ field: 'telephone1', from: '556', to: '555' }]);
		expect(result.decision).toBeUndefined();
		expect(result.reason).toBe('1 field differs: telephone1');
	});

	it('F&O dates: a date equals its noon date-time; the empty date equals null', () => {
		const result = diffRecord(
			{ ShipStartDate: '2024-06-01', SellStartDate: null },
			{ ShipStartDate: '2024-06-01T12:00:00Z', SellStartDate: '1900-01-01T12:00:00Z' },
			{ side: 'fo', shapes: { ShipStartDate: { kind: 'date' }, SellStartDate: { kind: 'date' } } },
		);
		expect(result.decision).toBe('no-change');
	});

	it('F&O enum symbols compare case-insensitively, with or without metadata options', () => {
		const options = [{ name: 'No', value: 'No' }, { name: 'Yes', value: 'Yes' }];
		expect(diffRecord({ Blocked: 'yes' }, { Blocked: 'Yes' }, { side: 'fo', shapes: { Blocked: { kind: 'enum', options } } }).decision).toBe('no-change');
		expect(diffRecord({ Blocked: 'yes' }, { Blocked: 'Yes' }, { side: 'fo', shapes: { Blocked: { kind: 'enum' } } }).decision).toBe('no-change');
		expect(diffRecord({ Blocked: 'No' }, { Blocked: 'Yes' }, { side: 'fo', shapes: { Blocked: { kind: 'enum' } } }).changes).toEqual({ Blocked: 'No' });
	});

	it('Dataverse choices: the value as a string equals the stored integer; another value differs', () => {
		const shapes = { customertypecode: { kind: 'choice' as const } };
		expect(diffRecord({ customertypecode: '3' }, { customertypecode: 3 }, { side: 'dataverse', shapes }).decision).toBe('no-change');
		expect(diffRecord({ customertypecode: 9 }, { customertypecode: 3 }, { side: 'dataverse', shapes }).differences).toEqual([{ field: 'customertypecode', from: 3, to: 9 }]);
	});

	it('F&O blank string equals Dataverse-style null; a cleared value is a difference', () => {
		expect(diffRecord({ SalesMemo: null }, { SalesMemo: '' }, { side: 'fo' }).decision).toBe('no-change');
		expect(diffRecord({ description: null }, { description: 'old' }, { side: 'dataverse' }).changes).toEqual({ description: null });
	});

	it('a missing target record: everything is written, never no-change', () => {
		const result = diffRecord({ name: 'New' }, undefined, { side: 'dataverse' });
		expect(result.changes).toEqual({ name: 'New' });
		expect(result.decision).toBeUndefined();
		expect(result.reason).toBe('the target record does not exist');
	});

	it('a field the target lacks is written', () => {
		expect(diffRecord({ name: 'A', fax: '1' }, { name: 'A' }, { side: 'dataverse' }).changes).toEqual({ fax: '1' });
	});

	it('a mapped value that does not fit its field throws naming the field', () => {
		expect(() => diffRecord({ creditlimit: 'lots' }, {}, { side: 'dataverse', shapes: { creditlimit: { kind: 'decimal' } } })).toThrow(DiffValueError);
		expect(() => diffRecord({ creditlimit: 'lots' }, {}, { side: 'dataverse', shapes: { creditlimit: { kind: 'decimal' } } })).toThrow(/Field creditlimit/);
	});

	it('a stored value that does not normalise is overwritten', () => {
		const result = diffRecord({ creditlimit: 5 }, { creditlimit: 'garbage' }, { side: 'dataverse', shapes: { creditlimit: { kind: 'decimal' } } });
		expect(result.differences).toEqual([{ field: 'creditlimit', from: null, to: 5 }]);
	});
});
