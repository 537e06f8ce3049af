/**
 * The demo's and the end-to-end tests' initial copy, before n8n starts: lib/'s initial sync F&O -> Dataverse in
 * dependency order, recording the ledger in the state file the n8n instance will use, so that live sync afterwards
 * knows every record's counterpart.
 */
import { INTEGRATION_APP, type AppRegistration } from '../emulators/common/directory';
import type { RunningEmulators } from '../emulators';
import { createConnector, type Connector } from '../lib/connectors';
import { CORE_MAPS, catalogMap, compileMap } from '../lib/maps';
import { defaultStateFile, openSqliteStateStore } from '../lib/state';
import { runInitialSync, type MapSyncReport } from '../lib/sync';
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

/**
 * The initial sync of `maps` F&O -> Dataverse (lib's engine, as the Dual-Write node runs it), in dependency order,
 * into the state file of the n8n user folder `n8nUserFolder`: one report per map.
 */
export async function initialCopy(emulators: RunningEmulators, n8nUserFolder: string, maps: readonly string[] = CORE_MAPS): Promise<Map<string, MapSyncReport>> {
	const connectors = emulatorConnectors(emulators);
	const store = await openSqliteStateStore({ file: defaultStateFile(n8nUserFolder) });
	try {
		const entries = maps.map((id) => {
			const definition = catalogMap(id);
			if (!definition) throw new Error(`No map ${id} in the catalog`);
			return { compiled: compileMap(definition), direction: 'fo->dataverse' as const };
		});
		const report = await runInitialSync({ store, connectors: { fo: connectors.fo, dataverse: connectors.dataverse }, maps: entries, run: 'setup' });
		return new Map(report.maps.map((map) => [map.map, map]));
	} finally {
		await store.close();
		connectors.close();
	}
}
