import * as finance from './finance';
import * as parties from './parties';
import * as reference from './reference';
import * as supplychain from './supplychain';
import * as system from './system';
import type { TableDef } from './types';

/** Every table the emulator serves. Adding a table = adding a definition object to one of these modules. */
export const TABLES: TableDef[] = [
	...Object.values(reference),
	...Object.values(finance),
	...Object.values(parties),
	...Object.values(supplychain),
	...Object.values(system),
];

export type { TableDef, ColumnDef, AlternateKeyDef, ColumnType } from './types';
