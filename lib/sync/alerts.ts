/**
 * Alert rules (Microsoft's "alert settings", reference §1.10): N failed attempts of a class within a window pause the
 * map and/or notify. Unlike Microsoft's, rules are read from the store on every evaluation, so they apply at once
 * without restarting maps, and the trip says what tripped it (counts, a sample of the failures).
 *
 * Two halves, so that acting on a trip happens once while every alert workflow hears of it:
 * - `evaluateRules` counts, and records each trip with `recordAlertTrip` (compare-and-set on the rule's last trip, the
 *   `rule-tripped` activity entry and the pause in one transaction): of several processes evaluating at once, one
 *   acts. Failures a trip counted do not count towards the rule's next trip; a rule trips again once `threshold` new
 *   failures fall within its window.
 * - `nextTrips` follows the activity log's `rule-tripped` entries after a consumer's own cursor (one per Dual-Write
 *   Alert Trigger node), so each alert workflow emits each trip once.
 */
import { ERROR_CLASSES, type ActivityEntry, type AlertRule, type ErrorClass, type MapRunState, type StateStore } from '../state';
import type { EnvelopeKey } from './envelope';

const MINUTE = 60_000;

/** One failure of the trip's sample. */
export interface AlertSample {
	/** Journal id (Error Log > Get / Retry). */
	id: number;
	direction: string;
	sourceKey: EnvelopeKey;
	targetKey?: EnvelopeKey;
	errorClass: ErrorClass;
	message: string;
	status?: number;
	at: number;
}

export interface AlertTrip {
	/** The `rule-tripped` activity entry. */
	activityId: number;
	at: number;
	map: string;
	rule: { id: number; name: string; errorClass: ErrorClass | null; threshold: number; windowMinutes: number; pause: boolean; notify: boolean };
	/** Failed attempts counted (new since the rule's previous trip). */
	errors: number;
	/** Start of the counting window (minute resolution: the minute containing it counts whole). */
	windowStart: number;
	/** This trip paused the map. */
	paused: boolean;
	/** The map's state after the trip. */
	state: MapRunState;
	/** The newest failures of the rule's class, newest first. */
	sample: AlertSample[];
}

export interface EvaluateOptions {
	/** Failures per trip's sample. Default 5. */
	sampleSize?: number;
	/** Only these maps' rules. Default all. */
	maps?: string[];
}

const MESSAGE_LIMIT = 1_000;

/** Failed attempts a rule may count now: within its window and not counted by its previous trip. */
async function countable(store: StateStore, rule: AlertRule, now: number): Promise<{ errors: number; windowStart: number }> {
	const windowStart = now - rule.windowMinutes * MINUTE;
	const last = rule.lastTrip;
	if (last && Math.floor(windowStart / MINUTE) <= Math.floor(last.at / MINUTE)) {
		// The window reaches back to the previous trip's minute: count from that minute, less what the trip counted of it.
		const since = Math.floor(last.at / MINUTE) * MINUTE;
		return { errors: Math.max(0, (await store.countErrors(rule.map, rule.errorClass, since)) - last.baseline), windowStart: Math.max(windowStart, last.at) };
	}
	return { errors: await store.countErrors(rule.map, rule.errorClass, windowStart), windowStart };
}

async function sampleFailures(store: StateStore, rule: AlertRule, windowStart: number, size: number): Promise<AlertSample[]> {
	if (size <= 0) return [];
	const page = await store.list({
		map: rule.map,
		status: ['failed', 'pending'],
		errorClass: rule.errorClass ?? [...ERROR_CLASSES],
		limit: size * 4,
	});
	const sample: AlertSample[] = [];
	for (const entry of page.items) {
		if (!entry.error || entry.updatedAt < Math.floor(windowStart / MINUTE) * MINUTE) continue;
		sample.push({
			id: entry.id,
			direction: entry.direction,
			sourceKey: entry.source.key,
			...(entry.target.key ? { targetKey: entry.target.key } : {}),
			errorClass: entry.error.class,
			message: entry.error.message.length > MESSAGE_LIMIT ? `${entry.error.message.slice(0, MESSAGE_LIMIT)}…` : entry.error.message,
			...(entry.error.status !== undefined ? { status: entry.error.status } : {}),
			at: entry.updatedAt,
		});
		if (sample.length >= size) break;
	}
	return sample;
}

/** Evaluates every rule (of `maps`) at `now`; returns the trips this call recorded (none that another process did). */
export async function evaluateRules(store: StateStore, now: number = Date.now(), options: EvaluateOptions = {}): Promise<AlertTrip[]> {
	const maps = options.maps ? new Set(options.maps) : undefined;
	const trips: AlertTrip[] = [];
	for (const rule of await store.listAlertRules()) {
		if (maps && !maps.has(rule.map)) continue;
		const { errors, windowStart } = await countable(store, rule, now);
		if (errors < rule.threshold) continue;
		// Everything of the current minute is counted by this trip (the counters cannot tell earlier from later).
		const baseline = await store.countErrors(rule.map, rule.errorClass, Math.floor(now / MINUTE) * MINUTE);
		const sample = await sampleFailures(store, rule, windowStart, options.sampleSize ?? 5);
		const described = {
			id: rule.id,
			name: rule.name,
			errorClass: rule.errorClass ?? null,
			threshold: rule.threshold,
			windowMinutes: rule.windowMinutes,
			pause: rule.pause,
			notify: rule.notify,
		};
		const recorded = await store.recordAlertTrip({
			ruleId: rule.id,
			expectLastTripAt: rule.lastTrip?.at,
			mark: { at: now, baseline },
			detail: { rule: described, errors, windowStart, sample },
			pause: rule.pause,
		});
		if (recorded) trips.push(tripOf(recorded.activity));
	}
	return trips;
}

/** A `rule-tripped` activity entry as a trip. */
export function tripOf(entry: ActivityEntry): AlertTrip {
	const detail = (entry.detail ?? {}) as Partial<AlertTrip>;
	return {
		activityId: entry.id,
		at: entry.at,
		map: entry.map,
		rule: detail.rule as AlertTrip['rule'],
		errors: Number(detail.errors ?? 0),
		windowStart: Number(detail.windowStart ?? entry.at),
		paused: detail.paused === true,
		state: (detail.state ?? 'running') as MapRunState,
		sample: Array.isArray(detail.sample) ? detail.sample : [],
	};
}

export const tripFeedCursor = (consumer: string): string => `alert-feed:${consumer}`;

/**
 * Starts a consumer at the newest trip recorded so far (an alert workflow activated today does not mail last
 * month's trips); a consumer that already has a position keeps it, so trips recorded while n8n was restarting are
 * still delivered.
 */
export async function followTrips(store: StateStore, consumer: string): Promise<void> {
	const name = tripFeedCursor(consumer);
	if (await store.getCursor(name)) return;
	const newest = (await store.listActivity({ events: ['rule-tripped'], limit: 1 })).items[0]?.id ?? 0;
	await store.setCursor(name, String(newest), { expect: null });
}

/**
 * Trips after the consumer's position, oldest first, and the position moved past them (compare-and-set: if two
 * processes run the same consumer, one of them gets the trips). Trips of rules without `notify`, or of maps outside
 * `maps`, are passed over.
 */
export async function nextTrips(store: StateStore, consumer: string, options: { limit?: number; maps?: string[] } = {}): Promise<AlertTrip[]> {
	const name = tripFeedCursor(consumer);
	const position = (await store.getCursor(name))?.value;
	if (position === undefined) {
		await followTrips(store, consumer);
		return [];
	}
	const page = await store.listActivity({ events: ['rule-tripped'], order: 'asc', cursor: position, limit: options.limit ?? 100 });
	if (page.items.length === 0) return [];
	const moved = await store.setCursor(name, String(page.items[page.items.length - 1].id), { expect: position });
	if (!moved) return [];
	const maps = options.maps && options.maps.length > 0 ? new Set(options.maps) : undefined;
	return page.items.map(tripOf).filter((trip) => trip.rule?.notify !== false && (!maps || maps.has(trip.map)));
}
