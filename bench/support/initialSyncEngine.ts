/**
 * The initial-sync bench's middle variant: lib/'s engine (runInitialSync, the same call the Dual-Write node makes)
 * without n8n, in a process of its own, over the tests' axios transport with bearer tokens of the integration app
 * (where the node goes through n8n's httpRequestWithAuthentication). Its state file is the one the bench copied the
 * prerequisites into. Prints `{"result": <the map's report>}` on stdout.
 */
import { INTEGRATION_APP, TENANT_ID, USER_APP } from '../../emulators/common/directory';
import type { RunningEmulators } from '../../emulators';
import { catalogMap, compileMap } from '../../lib/maps';
import { defaultStateFile, openSqliteStateStore } from '../../lib/state';
import { runInitialSync } from '../../lib/sync';
import { emulatorConnectors } from '../../scripts/initialCopy';

export interface EngineOptions {
	fo: string;
	dataverse: string;
	/** The token endpoint's origin. */
	token: string;
	/** The folder whose state file (`.n8n/dual-write/state.sqlite`) the run records into. */
	userFolder: string;
	map: string;
	pageSize: number;
	batchSize: number;
	concurrency: number;
}

async function main(options: EngineOptions): Promise<void> {
	const emulators = {
		token: { url: options.token, tokenUrl: `${options.token}/${TENANT_ID}/oauth2/v2.0/token` },
		fo: { url: options.fo },
		dataverse: { url: options.dataverse },
		tenantId: TENANT_ID,
		integrationApp: INTEGRATION_APP,
		userApp: USER_APP,
	} as unknown as RunningEmulators;
	const connectors = emulatorConnectors(emulators);
	const store = await openSqliteStateStore({ file: defaultStateFile(options.userFolder) });
	try {
		const definition = catalogMap(options.map);
		if (!definition) throw new Error(`no map ${options.map} in the catalog`);
		const report = await runInitialSync({
			store,
			connectors: { fo: connectors.fo, dataverse: connectors.dataverse },
			maps: [{ compiled: compileMap(definition), direction: 'fo->dataverse' }],
			run: 'bench',
			pageSize: options.pageSize,
			batchSize: options.batchSize,
			concurrency: options.concurrency,
		});
		process.stdout.write(`${JSON.stringify({ result: { ...report.maps[0], samples: report.maps[0].samples.slice(0, 5) } })}\n`);
	} finally {
		await store.close();
		connectors.close();
	}
}

main(JSON.parse(process.argv[2] ?? '{}') as EngineOptions).then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	},
);
