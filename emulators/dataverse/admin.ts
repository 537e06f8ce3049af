import { json, type EmuRequest, type EmuResponse } from '../common/http';
import type { Engine, Settings } from './engine';
import type { Webhooks } from './webhooks';

/**
 * Loopback tooling under `/_emulator/` (no token): health, table counts and dumps, reset/reseed,
 * settings, expiring change-tracking tokens, webhook delivery log and drain, and switching an app user off (-> 403).
 */
export function adminHandler(engine: Engine, webhooks: Webhooks, reset: (body: unknown) => void): (req: EmuRequest) => Promise<EmuResponse> {
	return async (req) => {
		const path = req.rawPath;
		const body = (): Record<string, unknown> => {
			const text = req.body.toString('utf8').trim();
			return text ? (JSON.parse(text) as Record<string, unknown>) : {};
		};
		try {
			if (path === '/_emulator/health') return json(200, { ok: true, emulator: 'dataverse', baseUrl: engine.baseUrl });
			if (path === '/_emulator/tables' && req.method === 'GET') {
				return json(200, [...engine.schema.byLogical.values()].map((t) => ({ entitySet: t.def.entitySetName, logicalName: t.def.logicalName, rows: engine.store.of(t.def.logicalName).rows.size })));
			}
			const dump = /^\/_emulator\/tables\/([A-Za-z0-9_]+)$/.exec(path);
			if (dump && req.method === 'GET') {
				const t = engine.schema.bySet.get(dump[1]);
				if (!t) return json(404, { error: { code: '', message: `No entity set ${dump[1]}` } });
				return json(200, [...engine.store.of(t.def.logicalName).rows.values()]);
			}
			if (path === '/_emulator/reset' && req.method === 'POST') {
				reset(body());
				return json(200, { ok: true });
			}
			if (path === '/_emulator/settings') {
				if (req.method === 'POST' || req.method === 'PATCH') {
					const patch = body() as Partial<Settings>;
					for (const k of Object.keys(patch)) {
						if (!(k in engine.settings)) return json(400, { error: { code: '', message: `Unknown setting ${k}. Known: ${Object.keys(engine.settings).join(', ')}` } });
					}
					Object.assign(engine.settings, patch);
				}
				return json(200, engine.settings);
			}
			if (path === '/_emulator/changetracking/expire' && req.method === 'POST') {
				// Every token handed out so far expires; the version moves on so a token issued next is valid.
				engine.store.changeTrackingFloor = engine.store.nextVersion();
				return json(200, { changeTrackingFloor: engine.store.changeTrackingFloor });
			}
			if (path === '/_emulator/webhooks/deliveries') {
				if (req.method === 'DELETE') webhooks.log.length = 0;
				return json(200, webhooks.log);
			}
			if (path === '/_emulator/webhooks/drain' && req.method === 'POST') {
				await webhooks.drain();
				return json(200, { ok: true, deliveries: webhooks.log.length });
			}
			const app = /^\/_emulator\/appusers\/([0-9a-fA-F-]{36})\/(enable|disable)$/.exec(path);
			if (app && req.method === 'POST') {
				if (app[2] === 'disable') engine.disabledApps.add(app[1].toLowerCase());
				else engine.disabledApps.delete(app[1].toLowerCase());
				return json(200, { disabledApps: [...engine.disabledApps] });
			}
		} catch (e) {
			return json(400, { error: { code: '', message: (e as Error).message } });
		}
		return json(404, { error: { code: '', message: `No admin endpoint ${req.method} ${path}` } });
	};
}
