/**
 * The state store the nodes of one n8n process share. The trigger, the Map node and the upsert nodes of a live map
 * run in separate executions (and, in queue mode, processes); SQLite's transactions keep them consistent, so each
 * process opens the file once and keeps it open.
 *
 * Location: `DUAL_WRITE_STATE_FILE` when set, else next to n8n's own database under the n8n user folder
 * (`N8N_USER_FOLDER`, the home directory by default).
 */
import { homedir } from 'node:os';
import { defaultStateFile, openSqliteStateStore, type StateStore } from '../../../lib/state';

const stores = new Map<string, Promise<StateStore>>();

export function stateFile(): string {
	const configured = process.env.DUAL_WRITE_STATE_FILE?.trim();
	return configured ? configured : defaultStateFile(process.env.N8N_USER_FOLDER?.trim() || homedir());
}

export async function sharedStateStore(): Promise<StateStore> {
	const file = stateFile();
	let store = stores.get(file);
	if (!store) {
		store = openSqliteStateStore({ file });
		stores.set(file, store);
		// A failed open is not cached: the next call tries again (a full disk may have been freed).
		store.catch(() => stores.delete(file));
	}
	return await store;
}
