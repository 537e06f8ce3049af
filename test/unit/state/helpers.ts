import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStateStore, type NewChange, type SqliteStateStoreOptions, type StateStore } from '../../../lib/state';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface TestStore {
	store: StateStore;
	file: string;
	dir: string;
	clock: { now: number };
	reopen(options?: Partial<SqliteStateStoreOptions>): Promise<StateStore>;
}

const opened: Array<{ dir: string; stores: StateStore[] }> = [];

/** A store on a fresh file in a temp directory, with a clock that only moves when the test moves it. */
export async function tempStore(options: Partial<SqliteStateStoreOptions> = {}): Promise<TestStore> {
	const dir = mkdtempSync(path.join(tmpdir(), 'dw-state-'));
	const file = path.join(dir, 'state.sqlite');
	const clock = { now: T0 };
	const base = { file, now: () => clock.now, random: () => 0.5, ...options };
	const store = await openSqliteStateStore(base);
	const record = { dir, stores: [store] };
	opened.push(record);
	return {
		store,
		file,
		dir,
		clock,
		reopen: async (more = {}) => {
			const again = await openSqliteStateStore({ ...base, ...more });
			record.stores.push(again);
			return again;
		},
	};
}

export async function closeAll(): Promise<void> {
	for (const { dir, stores } of opened.splice(0)) {
		for (const store of stores) await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

let seq = 0;

export function change(overrides: Partial<NewChange> & { account?: string } = {}): NewChange {
	const { account, ...rest } = overrides;
	seq++;
	return {
		map: 'customers',
		direction: 'fo->dataverse',
		change: 'update',
		source: { entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: account ?? `C-${seq}` } },
		target: { entity: 'accounts', key: { accountnumber: account ?? `C-${seq}`, 'msdyn_company.cdm_companycode': 'usmf' } },
		payload: { CustomerAccount: account ?? `C-${seq}`, Name: `Customer ${seq}` },
		...rest,
	};
}
