/** The F&O watermark cursor: round trip, and every way a stored cursor can be unusable. */
import { CaptureCursorError, comparePositions, parseFoCursor, serializeFoCursor, versionHash, type FoCursor } from '../../../../lib/sync/capture';

const expected = { entity: 'CustomersV3', field: 'ModifiedDateTime', keys: ['dataAreaId', 'CustomerAccount'] };
const valid: FoCursor = {
	v: 1,
	e: 'CustomersV3',
	f: 'ModifiedDateTime',
	k: ['dataAreaId', 'CustomerAccount'],
	p: [1717236000000, ['usmf', "O'Brien"]],
	s: [[1717236000000, ['usmf', "O'Brien"], 'abc123']],
};

function failure(text: string, against = expected): CaptureCursorError {
	try {
		parseFoCursor(text, against);
	} catch (error) {
		if (error instanceof CaptureCursorError) return error;
		throw error;
	}
	throw new Error('parsed');
}

describe('parseFoCursor', () => {
	it('reads back what serializeFoCursor wrote, with and without a floor', () => {
		expect(parseFoCursor(serializeFoCursor(valid), expected)).toEqual(valid);
		const floored: FoCursor = { ...valid, fl: [1717235999000, ['usmf', 'A']] };
		expect(parseFoCursor(serializeFoCursor(floored), expected)).toEqual(floored);
		const empty: FoCursor = { ...valid, p: null, s: [] };
		expect(parseFoCursor(serializeFoCursor(empty), expected)).toEqual(empty);
	});

	it('keeps numeric key parts numeric', () => {
		const lines = { entity: 'CDSSalesOrderLinesV2', field: 'ModifiedDateTime', keys: ['dataAreaId', 'SalesOrderNumber', 'LineCreationSequenceNumber'] };
		const cursor: FoCursor = { v: 1, e: lines.entity, f: lines.field, k: lines.keys, p: [1, ['usmf', '000001', 2]], s: [] };
		expect(parseFoCursor(serializeFoCursor(cursor), lines).p).toEqual([1, ['usmf', '000001', 2]]);
	});

	it('names the system, the entity and the problem', () => {
		const error = failure('not json');
		expect(error).toBeInstanceOf(CaptureCursorError);
		expect(error).toMatchObject({ name: 'CaptureCursorError', system: 'fo', entity: 'CustomersV3' });
		expect(error.message).toBe('F&O CustomersV3: the capture cursor is not usable: it is not JSON');
	});

	const broken = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });
	it.each([
		['empty', '', /it is empty/],
		['a JSON array', '[1,2]', /not a JSON object/],
		['a JSON string', '"x"', /not a JSON object/],
		['another version', broken({ v: 2 }), /unknown version 2/],
		['no entity', broken({ e: undefined }), /names no entity/],
		['no key fields', broken({ k: [] }), /names no key fields/],
		['key fields that are not strings', broken({ k: ['dataAreaId', 3] }), /names no key fields/],
		['another entity', broken({ e: 'VendorsV2' }), /made for entity VendorsV2/],
		['another field', broken({ f: 'CreatedDateTime' }), /made for modified field CreatedDateTime, not ModifiedDateTime/],
		['another key', broken({ k: ['CustomerAccount', 'dataAreaId'] }), /made for key \(CustomerAccount, dataAreaId\)/],
		['a position that is not a pair', broken({ p: [1] }), /p must be \[modified, \[key values\]\]/],
		['a time that is not an integer', broken({ p: [1.5, ['usmf', 'A']] }), /p\[0\] must be a time in milliseconds/],
		['a time that is text', broken({ p: ['2024-01-01', ['usmf', 'A']] }), /p\[0\] must be a time/],
		['too few key values', broken({ p: [1, ['usmf']] }), /p\[1\] must list 2 key value/],
		['a null key value', broken({ p: [1, ['usmf', null]] }), /not a string or a number/],
		['a broken floor', broken({ fl: [1, 'x'] }), /fl\[1\] must list 2/],
		['seen that is not a list', broken({ s: {} }), /s must be a list/],
		['a seen entry without a version', broken({ s: [[1, ['usmf', 'A']]] }), /s\[0\] must be \[modified, \[key values\], version\]/],
		['a seen entry with a bad time', broken({ s: [[null, ['usmf', 'A'], '']] }), /s\[0\]\[0\] must be a time/],
		['seen versions but no position', broken({ p: null }), /lists emitted versions but no position/],
	])('refuses a cursor with %s', (_what, text, message) => {
		expect(failure(text).message).toMatch(message);
	});

	it('refuses an absurdly long list of versions', () => {
		const s = Array.from({ length: 100_001 }, () => [1, ['usmf', 'A'], '']);
		expect(failure(JSON.stringify({ ...valid, s })).message).toMatch(/s must be a list/);
	});
});

describe('comparePositions', () => {
	it('orders by time, then key by key, strings without regard to case', () => {
		expect(comparePositions([1, ['usmf', 'A']], [2, ['usmf', 'A']])).toBe(-1);
		expect(comparePositions([2, ['usmf', 'A']], [1, ['usmf', 'Z']])).toBe(1);
		expect(comparePositions([1, ['demf', 'Z']], [1, ['usmf', 'A']])).toBe(-1);
		expect(comparePositions([1, ['usmf', 'abc']], [1, ['USMF', 'ABC']])).toBe(0);
		expect(comparePositions([1, ['usmf', 'a']], [1, ['usmf', 'B']])).toBe(-1);
		expect(comparePositions([1, ['usmf', 'X', 2]], [1, ['usmf', 'X', 10]])).toBe(-1);
	});
});

describe('versionHash', () => {
	it('is short, stable, different for different ETags, and empty without one', () => {
		const a = versionHash('W/"JzEsNTYzNzE0NDU3Nyc="');
		expect(a).toMatch(/^[0-9a-z]{1,7}$/);
		expect(versionHash('W/"JzEsNTYzNzE0NDU3Nyc="')).toBe(a);
		expect(versionHash('W/"JzIsNTYzNzE0NDU3Nyc="')).not.toBe(a);
		expect(versionHash(undefined)).toBe('');
		expect(versionHash('')).toBe('');
	});
});
