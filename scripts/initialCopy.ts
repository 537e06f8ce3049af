/**
 * The demo's and the end-to-end tests' initial copy: maps run F&O -> Dataverse in dependency order with lib/'s
 * simple copy (`copyMap`), recording the ledger in the state file the n8n instance will use, so that live sync
 * afterwards knows every record's counterpart. The control plane's resumable initial sync replaces this later.
 */
import { INTEGRATION_APP, type AppRegistration } from '../emulators/common/directory';
import type { RunningEmulators } from '../emulators';
import { createConnector, type Connector } from '../lib/connectors';
import { CORE_MAPS, catalogMap, compileMap, dependencyOrder, loadCatalog } from '../lib/maps';
import { defaultStateFile, openSqliteStateStore } from '../lib/state';
import { copyMap, type CopyReport } from '../lib/sync';
import { createAxiosTransport } from '../test/support/axios-transport';
import { authenticated, bearerTokens } from '../test/support/emulators';

/** The maps the demo keeps in sync (lib/maps' core maps). */
export { CORE_MAPS };

export interface EmulatorConnectors {
	fo: Connector;
	dataverse: Connector;
	close(): void;
}

/** Connectors to both emulators, signed in as `app` (the integration app by default; tests pass the user app). */
export function emulatorConnectors(emulators: RunningEmulators, app: AppRegistration = INTEGRATION_APP): EmulatorConnectors {
	const axios = createAxiosTransport();
	const transport = (url: string) => authenticated(axios, bearerTokens(emulators.token.url, app, url));
	return {
		fo: createConnector('fo', { environmentUrl: emulators.fo.url, transport: transport(emulators.fo.url) }),
		dataverse: createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: transport(emulators.dataverse.url) }),
		close: () => axios.close(),
	};
}

/** Copies `maps` F&O -> Dataverse in dependency order into the state file of the n8n user folder `n8nUserFolder`. */
export async function initialCopy(emulators: RunningEmulators, n8nUserFolder: string, maps: readonly string[] = CORE_MAPS): Promise<Map<string, CopyReport>> {
	const connectors = emulatorConnectors(emulators);
	const store = await openSqliteStateStore({ file: defaultStateFile(n8nUserFolder) });
	const reports = new Map<string, CopyReport>();
	try {
		for (const id of dependencyOrder(loadCatalog().filter((map) => maps.includes(map.id))).order) {
			const definition = catalogMap(id);
			if (!definition) throw new Error(`No map ${id} in the catalog`);
			reports.set(id, await copyMap({ store, source: connectors.fo, target: connectors.dataverse, compiled: compileMap(definition), direction: 'fo->dataverse' }));
		}
	} finally {
		await store.close();
		connectors.close();
	}
	return reports;
}
