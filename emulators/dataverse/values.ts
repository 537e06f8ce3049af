import { badRequest, CODES, DvError } from './errors';
import { isGuid } from './keys';
import type { Table } from './schema';
import type { ColumnDef, ColumnType } from './tables/types';

/** Converting JSON body values into stored column values, with the platform's validation messages. */
export const EDM: Record<ColumnType, string> = {
	string: 'Edm.String',
	memo: 'Edm.String',
	int: 'Edm.Int32',
	bigint: 'Edm.Int64',
	decimal: 'Edm.Decimal',
	money: 'Edm.Decimal',
	double: 'Edm.Double',
	boolean: 'Edm.Boolean',
	datetime: 'Edm.DateTimeOffset',
	dateonly: 'Edm.Date',
	choice: 'Edm.Int32',
	lookup: 'Edm.Guid',
	uniqueidentifier: 'Edm.Guid',
};

function payloadError(table: Table, inner: string): DvError {
	return badRequest(
		`Error identified in Payload provided by the user for Entity :'${table.def.entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: ${inner}`,
		CODES.payload,
	);
}

const cannotConvert = (table: Table, col: ColumnDef, value: unknown) =>
	payloadError(table, `Cannot convert the literal '${typeof value === 'string' ? value : JSON.stringify(value)}' to the expected type '${EDM[col.type]}'.`);

function outOfRange(table: Table, col: ColumnDef, value: unknown, accepted: string): DvError {
	return badRequest(
		`A validation error occurred. The value ${String(value)} of '${col.name}' on record of type '${table.def.logicalName}' is outside the valid range. Accepted Values: ${accepted}`,
		CODES.outOfRange,
	);
}

/** Seconds precision, UTC, `Z` suffix: how Dataverse returns date-time columns. */
export function isoSeconds(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const round = (n: number, places: number) => {
	const f = 10 ** places;
	return Math.round(n * f) / f;
};

/** Validates and converts one non-lookup column value from a request body. */
export function convertValue(table: Table, col: ColumnDef, value: unknown): unknown {
	if (value === null) return null;
	switch (col.type) {
		case 'string':
		case 'memo': {
			if (typeof value !== 'string') throw cannotConvert(table, col, value);
			if (col.maxLength !== undefined && value.length > col.maxLength) {
				throw badRequest(
					`A validation error occurred. The length of the '${col.name}' attribute of the '${table.def.logicalName}' entity exceeded the maximum allowed length of '${col.maxLength}'.`,
					CODES.maxLength,
				);
			}
			return value;
		}
		case 'int':
		case 'bigint': {
			if (typeof value !== 'number' || !Number.isInteger(value)) throw cannotConvert(table, col, value);
			const lim = col.type === 'int' ? 2147483647 : Number.MAX_SAFE_INTEGER;
			const min = col.min ?? -lim - 1;
			const max = col.max ?? lim;
			if (value < min || value > max) throw outOfRange(table, col, value, `${min} to ${max}`);
			return value;
		}
		case 'decimal':
		case 'money':
		case 'double': {
			if (typeof value !== 'number' || !Number.isFinite(value)) throw cannotConvert(table, col, value);
			if ((col.min !== undefined && value < col.min) || (col.max !== undefined && value > col.max)) {
				throw outOfRange(table, col, value, `${col.min ?? '-∞'} to ${col.max ?? '∞'}`);
			}
			return col.type === 'double' ? value : round(value, col.precision ?? 2);
		}
		case 'boolean':
			if (typeof value !== 'boolean') throw cannotConvert(table, col, value);
			return value;
		case 'datetime': {
			if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) throw cannotConvert(table, col, value);
			const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : /Z|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`);
			if (Number.isNaN(ms)) throw cannotConvert(table, col, value);
			return isoSeconds(ms);
		}
		case 'dateonly':
			if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw cannotConvert(table, col, value);
			return value;
		case 'choice': {
			if (typeof value !== 'number' || !Number.isInteger(value)) throw cannotConvert(table, col, value);
			const allowed = Object.keys(col.choices ?? {}).map(Number);
			if (!allowed.includes(value)) throw outOfRange(table, col, value, allowed.join(','));
			return value;
		}
		case 'uniqueidentifier':
			if (typeof value !== 'string' || !isGuid(value)) throw cannotConvert(table, col, value);
			return value.toLowerCase();
		case 'lookup':
			throw new Error('lookups are converted by the write path');
	}
}
