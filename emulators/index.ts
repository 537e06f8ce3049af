import type { WorldOptions } from './common/world';
import { startHttpServer, type EmuRequest, type EmuResponse, type Handler, type RunningServer } from './common/http';
import { INTEGRATION_APP, TENANT_ID, USER_APP } from './common/directory';
import { createTokenHandler } from './token/server';
import { createFoEmulator, type FoEmulator } from './fo';
import { createDataverseEmulator, type DataverseEmulator, type Projection } from './dataverse';

/** Default ports: token 4010, F&O 4011, Dataverse 4012 (0 = any free port, what tests use). */
export const DEFAULT_PORTS = { token: 4010, fo: 4011, dataverse: 4012 } as const;

export interface StartEmulatorsOptions {
	ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
	/** World seeded into both systems; false = empty stores. */
	seed?: WorldOptions | false;
	/** Extra projections of the world into Dataverse (see emulators/dataverse/README.md). */
	dataverseProjection?: Projection[];
	foPageSize?: number;
	eventRetryDelayMs?: number;
	webhookTimeoutMs?: number;
}

export interface RunningEmulators {
	token: { url: string; tokenUrl: string; tokenUrlV1: string };
	fo: { url: string; emulator: FoEmulator };
	dataverse: { url: string; emulator: DataverseEmulator };
	tenantId: string;
	/** What our nodes authenticate as (an emulator test secret). */
	integrationApp: { clientId: string; clientSecret: string };
	/** A second identity, for edits "by a person" in tests and the demo. */
	userApp: { clientId: string; clientSecret: string };
	/**
	 * Takes one system's HTTP server down: open connections are cut and new ones are refused (ECONNREFUSED), what a
	 * client sees of a host that is down. The emulator's data lives in memory outside the server, so it survives;
	 * the returned function listens again on the same port (same URL, tokens and delta links stay valid). Why not the
	 * faults' `outageForSec` (503): a refused connection is a different failure path in a client (no status).
	 */
	takeDown(system: 'fo' | 'dataverse'): Promise<() => Promise<void>>;
	close(): Promise<void>;
}

/**
 * Starts the token endpoint, F&O and Dataverse on loopback. A server is started before its emulator exists
 * because the emulator needs its own origin (token audience, @odata.context, nextLinks) and port 0 is only
 * known after listen.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
	const ports = { ...DEFAULT_PORTS, ...(options.ports ?? {}) };
	const servers: RunningServer[] = [];
	const late = () => {
		let target: Handler | undefined;
		const handler = (req: EmuRequest): Promise<EmuResponse> =>
			target ? target(req) : Promise.resolve({ status: 503, body: 'starting' });
		return { handler, set: (h: Handler) => (target = h) };
	};
	try {
		const token = createTokenHandler();
		const tokenServer = await startHttpServer(token.handler, ports.token);
		servers.push(tokenServer);

		const foLate = late();
		let foServer = await startHttpServer(foLate.handler, ports.fo);
		servers.push(foServer);
		const fo = createFoEmulator({ baseUrl: foServer.url, seed: options.seed, pageSize: options.foPageSize, eventRetryDelayMs: options.eventRetryDelayMs });
		foLate.set(fo.handler);

		const dvLate = late();
		let dvServer = await startHttpServer(dvLate.handler, ports.dataverse);
		servers.push(dvServer);
		const dataverse = createDataverseEmulator({
			baseUrl: dvServer.url,
			seed: options.seed,
			project: options.dataverseProjection,
			webhookTimeoutMs: options.webhookTimeoutMs,
		});
		dvLate.set(dataverse.handler);

		return {
			token: {
				url: tokenServer.url,
				tokenUrl: `${tokenServer.url}/${TENANT_ID}/oauth2/v2.0/token`,
				tokenUrlV1: `${tokenServer.url}/${TENANT_ID}/oauth2/token`,
			},
			fo: { url: foServer.url, emulator: fo },
			dataverse: { url: dvServer.url, emulator: dataverse },
			tenantId: TENANT_ID,
			integrationApp: { clientId: INTEGRATION_APP.clientId, clientSecret: INTEGRATION_APP.clientSecret },
			userApp: { clientId: USER_APP.clientId, clientSecret: USER_APP.clientSecret },
			takeDown: async (system) => {
				const [server, handler] = system === 'fo' ? [foServer, foLate.handler] : [dvServer, dvLate.handler];
				const at = servers.indexOf(server);
				if (at < 0) throw new Error(`${system} emulator is already down`);
				servers.splice(at, 1);
				await server.close();
				return async () => {
					// The port was ours a moment ago; another socket may hold it briefly, so try for a few seconds.
					for (let tries = 0; ; tries++) {
						try {
							const again = await startHttpServer(handler, server.port);
							servers.push(again);
							if (system === 'fo') foServer = again;
							else dvServer = again;
							return;
						} catch (error) {
							if (tries >= 20) throw error;
							await new Promise((resolve) => setTimeout(resolve, 250));
						}
					}
				};
			},
			close: async () => {
				await Promise.allSettled([fo.close(), dataverse.close()]);
				await Promise.allSettled(servers.map((s) => s.close()));
			},
		};
	} catch (error) {
		await Promise.allSettled(servers.map((s) => s.close()));
		throw error;
	}
}
