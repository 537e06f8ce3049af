/**
 * The demo: both emulators with seeded data on their default ports, and a real n8n (default port 5678) with
 * this package installed as a community package, credentials for both emulated environments, and the demo
 * workflows imported. Prints where everything is and how to log in; runs until Ctrl+C.
 * Ports: DW_N8N_PORT, DW_TOKEN_PORT, DW_FO_PORT, DW_DATAVERSE_PORT.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS, startEmulators } from '../emulators';
import { OWNER, startN8n, type WorkflowJson } from '../test/support/n8n/instance';
import { emulatorCredentials } from './emulatorCredentials';

const REPO = path.resolve(__dirname, '..');
const port = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Template workflows shipped in templates/ (generated from the map catalog once it exists). */
function templateWorkflows(): WorkflowJson[] {
	const dir = path.join(REPO, 'templates');
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as WorkflowJson);
}

async function main(): Promise<void> {
	const emulators = await startEmulators({
		ports: {
			token: port('DW_TOKEN_PORT', DEFAULT_PORTS.token),
			fo: port('DW_FO_PORT', DEFAULT_PORTS.fo),
			dataverse: port('DW_DATAVERSE_PORT', DEFAULT_PORTS.dataverse),
		},
	});
	const userFolder = path.join(REPO, '.demo', 'n8n');
	rmSync(userFolder, { recursive: true, force: true });
	const workflows = templateWorkflows();
	const n8n = await startN8n({
		port: port('DW_N8N_PORT', 5678),
		userFolder,
		keep: true,
		credentials: emulatorCredentials(emulators),
		workflows,
		publish: workflows.filter((w) => w.meta && (w.meta as { publish?: boolean }).publish).map((w) => w.id),
	});
	console.log(`
n8n-nodes-dual-write demo is running.

  n8n                 ${n8n.url}
    login             ${OWNER.email} / ${OWNER.password}   (demo-only test password)
    API key           ${n8n.apiKey.slice(0, 12)}…  (X-N8N-API-KEY for ${n8n.url}/api/v1)
  F&O emulator        ${emulators.fo.url}/data/
  Dataverse emulator  ${emulators.dataverse.url}/api/data/v9.2/
  Token endpoint      ${emulators.token.tokenUrl}

  Credentials in n8n: "F&O (emulator)" and "Dataverse (emulator)" (already configured).
  Workflows imported: ${workflows.length} templates, one per standard map and direction (Manual Trigger -> Get Many ->
    Dual-Write Map -> Upsert). Open e.g. "Dual-Write: Customers V3 (accounts) (F&O → Dataverse)" and run it
    after its prerequisites (legal entities, currencies, payment terms, customer groups) to copy records across.
  n8n log: ${path.relative(REPO, path.join(userFolder, 'n8n.log'))}

Press Ctrl+C to stop.`);
	const stop = () => {
		void Promise.allSettled([n8n.stop(), emulators.close()]).then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error);
		process.exit(1);
	});
}
