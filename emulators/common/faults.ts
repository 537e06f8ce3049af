import { json, type EmuRequest, type EmuResponse, type Handler } from './http';

/**
 * Fault and limit knobs every emulator carries, switched through its admin API (`/_emulator/faults`):
 * throttling (429 + Retry-After), 5xx, added latency, a full outage for a period, and a per-caller
 * request budget in a sliding window (Dataverse service-protection style). Also counts requests per second.
 */
export interface FaultSettings {
	/** Added to every request, in ms. */
	latencyMs: number;
	/** The next N requests get 429 with Retry-After: retryAfterSec. */
	throttleNext: number;
	retryAfterSec: number;
	/** The next N requests get `errorStatus` (500, 502, 503 or 504). */
	failNext: number;
	errorStatus: number;
	/** Every request before this instant (epoch ms) gets 503: a full outage. 0 = none. */
	outageUntil: number;
	/** Per-caller budget: at most `requests` per `windowSec` sliding window, else 429. 0 = unlimited. */
	rateLimit: { requests: number; windowSec: number };
	/** Only requests whose path matches this regular expression are affected (empty = all). */
	pathPattern: string;
}

const DEFAULTS: FaultSettings = {
	latencyMs: 0,
	throttleNext: 0,
	retryAfterSec: 1,
	failNext: 0,
	errorStatus: 503,
	outageUntil: 0,
	rateLimit: { requests: 0, windowSec: 300 },
	pathPattern: '',
};

export interface FaultResponses {
	throttled(retryAfterSec: number, reason: 'throttle' | 'rate-limit'): EmuResponse;
	serverError(status: number): EmuResponse;
}

const genericResponses: FaultResponses = {
	throttled: (retryAfterSec) =>
		json(429, { error: { code: '', message: 'Too Many Requests' } }, { 'retry-after': String(retryAfterSec) }),
	serverError: (status) => json(status, { error: { code: '', message: `Emulated failure (${status}).` } }),
};

export class Faults {
	settings: FaultSettings = structuredClone(DEFAULTS);
	private readonly perSecond = new Map<number, number>();
	private readonly callerWindows = new Map<string, number[]>();
	total = 0;
	faulted = 0;

	constructor(
		readonly name: string,
		private readonly responses: FaultResponses = genericResponses,
	) {}

	reset(): void {
		this.settings = structuredClone(DEFAULTS);
		this.callerWindows.clear();
	}

	update(patch: Partial<FaultSettings> & { outageForSec?: number }): FaultSettings {
		const { outageForSec, ...rest } = patch;
		this.settings = { ...this.settings, ...rest, rateLimit: { ...this.settings.rateLimit, ...(rest.rateLimit ?? {}) } };
		if (typeof outageForSec === 'number') this.settings.outageUntil = outageForSec > 0 ? Date.now() + outageForSec * 1000 : 0;
		return this.settings;
	}

	stats() {
		const now = Math.floor(Date.now() / 1000);
		const lastSeconds: Array<{ second: number; requests: number }> = [];
		for (let s = now - 9; s <= now; s++) lastSeconds.push({ second: s, requests: this.perSecond.get(s) ?? 0 });
		return { emulator: this.name, totalRequests: this.total, faultedRequests: this.faulted, lastSeconds };
	}

	/** Wraps an emulator's router with the admin API, counters and fault injection. */
	wrap(route: Handler, authKey?: (req: EmuRequest) => string | undefined): Handler {
		return async (req) => {
			if (req.rawPath.startsWith('/_emulator/fault') || req.rawPath === '/_emulator/stats') return this.admin(req);
			this.count();
			const s = this.settings;
			const affected = !s.pathPattern || new RegExp(s.pathPattern).test(req.rawPath);
			if (affected && !req.rawPath.startsWith('/_emulator/')) {
				if (s.latencyMs > 0) await new Promise((r) => setTimeout(r, s.latencyMs));
				if (s.outageUntil > Date.now()) return this.fault(this.responses.serverError(503));
				if (s.throttleNext > 0) {
					s.throttleNext--;
					return this.fault(this.responses.throttled(s.retryAfterSec, 'throttle'));
				}
				if (s.failNext > 0) {
					s.failNext--;
					return this.fault(this.responses.serverError(s.errorStatus));
				}
				if (s.rateLimit.requests > 0) {
					const wait = this.consumeBudget(authKey?.(req) ?? 'anonymous');
					if (wait > 0) return this.fault(this.responses.throttled(wait, 'rate-limit'));
				}
			}
			return route(req);
		};
	}

	private fault(res: EmuResponse): EmuResponse {
		this.faulted++;
		return res;
	}

	private count(): void {
		this.total++;
		const sec = Math.floor(Date.now() / 1000);
		this.perSecond.set(sec, (this.perSecond.get(sec) ?? 0) + 1);
		if (this.perSecond.size > 120) {
			for (const k of this.perSecond.keys()) if (k < sec - 60) this.perSecond.delete(k);
		}
	}

	/** Returns 0 when the caller is within budget, else the seconds until a slot frees. */
	private consumeBudget(caller: string): number {
		const { requests, windowSec } = this.settings.rateLimit;
		const now = Date.now();
		const from = now - windowSec * 1000;
		const hits = (this.callerWindows.get(caller) ?? []).filter((t) => t > from);
		if (hits.length >= requests) {
			this.callerWindows.set(caller, hits);
			return Math.max(1, Math.ceil((hits[0] - from) / 1000));
		}
		hits.push(now);
		this.callerWindows.set(caller, hits);
		return 0;
	}

	private admin(req: EmuRequest): EmuResponse {
		if (req.rawPath === '/_emulator/stats') return json(200, this.stats());
		if (req.rawPath === '/_emulator/faults/reset' && req.method === 'POST') {
			this.reset();
			return json(200, this.settings);
		}
		if (req.rawPath === '/_emulator/faults') {
			if (req.method === 'GET') return json(200, this.settings);
			if (req.method === 'POST' || req.method === 'PATCH') {
				let patch: Partial<FaultSettings> & { outageForSec?: number };
				try {
					patch = JSON.parse(req.body.toString('utf8') || '{}') as typeof patch;
				} catch {
					return json(400, { error: { code: '', message: 'Fault settings must be a JSON object.' } });
				}
				const unknown = Object.keys(patch).filter((k) => !(k in DEFAULTS) && k !== 'outageForSec');
				if (unknown.length) return json(400, { error: { code: '', message: `Unknown fault setting(s): ${unknown.join(', ')}. Known: ${Object.keys(DEFAULTS).join(', ')}, outageForSec.` } });
				return json(200, this.update(patch));
			}
		}
		return json(404, { error: { code: '', message: `No admin endpoint ${req.method} ${req.rawPath}` } });
	}
}
