import path from 'node:path';

/**
 * Where the embedded store lives by default: next to n8n's own database, in `<user folder>/.n8n/dual-write/`, so it
 * is backed up and moved with the n8n instance. `n8nUserFolder` is what n8n calls N8N_USER_FOLDER (the home directory
 * unless set). The file holds customer data (journal payloads): the store creates it readable by its owner only.
 */
export function defaultStateFile(n8nUserFolder: string): string {
	return path.join(n8nUserFolder, '.n8n', 'dual-write', 'state.sqlite');
}
