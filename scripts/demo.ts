/**
 * The demo: both emulators with seeded data on their default ports, an initial copy of the core maps (F&O ->
 * Dataverse, recorded in the state store), and a real n8n (default port 5678) with this package installed as a
 * community package, credentials for both emulated environments, every template imported and the core maps' live
 * workflows active in both directions. It then edits a customer on each side and shows the edit arriving on the
 * other, prints where everything is and how to log in, and runs until Ctrl+C.
 * Ports: DW_N8N_PORT, DW_TOKEN_PORT, DW_FO_PORT, DW_DATAVERSE_PORT.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { USER_APP } from '../emulators/common/directory';
import { DEFAULT_PORTS, startEmulators } from '../emulators';
import { loadCatalog, mapDirections } from '../lib/maps';
import { OWNER, startN8n, type WorkflowJson } from '../test/support/n8n/instance';
import { emulatorCredentials } from './emulatorCredentials';
import { listTemplates, TEMPLATES_DIR, workflowId } from './generate-templates';
import { CORE_MAPS, emulatorConnectors, initialCopy } from './initialCopy';

const REPO = path.resolve(__dirname, '..');
const port = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Every template shipped in templates/ (live and initial copy). */
function templateWorkflows(): WorkflowJson[] {
	return listTemplates().map((file) => JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')) as WorkflowJson);
}

/** The live workflows the demo activates: the core maps, in every direction they write. */
function coreLiveWorkflowIds(): string[] {
	return loadCatalog()
		.filter((map) => CORE_MAPS.includes(map.id))
		.flatMap((map) => mapDirections(map).map((direction) => workflowId(map.id, direction, 'live')));
}

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 60_000): Promise<number> {
	const started = Date.now();
	while (!accept(await read())) {
		if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return Date.now() - started;
}

/** An edit on each side, as a person (the user app), and how long it took to arrive on the other. */
async function showLiveSync(emulators: Awaited<ReturnType<typeof startEmulators>>): Promise<string[]> {
	const people = emulatorConnectors(emulators, USER_APP);
	try {
		let key: { dataAreaId: string; CustomerAccount: string } | undefined;
		for await (const page of people.fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'], limit: 1 })) {
			key = { dataAreaId: 'usmf', CustomerAccount: String(page[0]?.CustomerAccount) };
		}
		if (!key) return ['(no organisation customer in usmf to edit)'];
		const dvKey = { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId };
		const stamp = new Date().toISOString().slice(11, 19);
		const memo = `Edited in F&O at ${stamp}`;
		await people.fo.update('CustomersV3', key, { SalesMemo: memo });
		const toDataverse = await until(() => people.dataverse.get('accounts', dvKey), (row) => row?.description === memo);
		const account = await people.dataverse.get('accounts', dvKey);
		const name = `${String(account?.name ?? 'Account')} (renamed in Dataverse ${stamp})`;
		await people.dataverse.update('accounts', { accountid: String(account?.accountid) }, { name });
		const toFo = await until(() => people.fo.get('CustomersV3', key), (record) => record?.OrganizationName === name);
		return [
			`F&O -> Dataverse: CustomersV3 ${key.dataAreaId}/${key.CustomerAccount} SalesMemo = "${memo}"  arrived as accounts.description in ${(toDataverse / 1000).toFixed(1)} s`,
			`Dataverse -> F&O: accounts ${key.CustomerAccount} name = "${name}"  arrived as CustomersV3.OrganizationName in ${(toFo / 1000).toFixed(1)} s`,
		];
	} finally {
		people.close();
	}
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
	console.log('Initial sync of the core maps, F&O -> Dataverse ...');
	const copied = await initialCopy(emulators, userFolder);
	const copyLines = [...copied].map(([id, r]) => `    ${id.padEnd(56)} read ${r.read}, created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged}, filtered out ${r.filtered}, failed ${r.failed}`);
	const workflows = templateWorkflows();
	const active = coreLiveWorkflowIds();
	console.log(`Starting n8n: installs the package, imports ${workflows.length} workflows, activates ${active.length} (a minute or two) ...`);
	const n8n = await startN8n({
		port: port('DW_N8N_PORT', 5678),
		userFolder,
		keep: true,
		credentials: emulatorCredentials(emulators),
		workflows,
	});
	await n8n.activate(active);
	console.log('n8n is up; editing a customer on each side ...');
	const shown = await showLiveSync(emulators).catch((error: unknown) => [`live sync check failed: ${error instanceof Error ? error.message : String(error)} (see the n8n log)`]);
	console.log(`
n8n-nodes-dual-write demo is running.

  n8n                 ${n8n.url}
    login             ${OWNER.email} / ${OWNER.password}   (demo-only test password)
    API key           ${n8n.apiKey.slice(0, 12)}…  (X-N8N-API-KEY for ${n8n.url}/api/v1)
  F&O emulator        ${emulators.fo.url}/data/
  Dataverse emulator  ${emulators.dataverse.url}/api/data/v9.2/
  Token endpoint      ${emulators.token.tokenUrl}

  Credentials in n8n: "F&O (emulator)" and "Dataverse (emulator)" (already configured).
  Initial sync (F&O -> Dataverse, ledger recorded):
${copyLines.join('\n')}
  Workflows: ${workflows.length} templates imported; ${active.length} live workflows active ("Dual-Write live: ...",
    the core maps in both directions: Dual-Write Trigger -> Dual-Write Map -> Upsert). "Dual-Write: initial sync (core
    maps)" runs the resumable initial sync with a dry run first; the "Dual-Write initial copy: ..." workflows (Manual
    Trigger -> Get Many -> Map -> Upsert) copy one table on demand.
  Live sync just now:
    ${shown.join('\n    ')}
  Try it: edit a customer in either emulator (PATCH .../data/CustomersV3(dataAreaId='usmf',CustomerAccount='...') or
    .../api/data/v9.2/accounts(<id>)) and watch the other side, or the executions list in n8n.
  State store (journal, ledger): ${path.relative(REPO, path.join(userFolder, '.n8n', 'dual-write', 'state.sqlite'))}
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
