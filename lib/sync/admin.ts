/**
 * The data admin's map controls (Microsoft's table-map page: status, Pause, Run/resume), over the state store.
 *
 * Pausing only changes the map's state: `claimBatch` then hands nothing out while capture keeps journaling, so the
 * backlog is bounded by the disk, not by 7 days or 1 GB. Resuming sets `catching-up`; the journal drains in order
 * per record like live changes, and the first claim that finds the map drained sets it back to `running`
 * (lib/state, `finishCatchUp`), whichever process claims. Everything is in the state file, so it survives restarts.
 */
import type { JournalCounts, JournalError, MapRunState, StateStore } from '../state';

/** `not-started`: the store has no state for the map (no trigger has run it, nobody paused it); it is not paused. */
export type MapStatusState = MapRunState | 'not-started';

export interface MapStatus {
	map: string;
	state: MapStatusState;
	detail?: string;
	/** When the current state was entered. */
	since?: number;
	/** Journal counts by status; `retrying` = pending changes that failed before and wait for their next attempt. */
	backlog: JournalCounts;
	lastSuccessAt?: number;
	lastErrorAt?: number;
	lastError?: JournalError;
	alertRules: number;
}

export async function mapStatus(store: StateStore, map: string): Promise<MapStatus> {
	const [state, backlog, rules] = await Promise.all([store.getMapState(map), store.counts(map), store.listAlertRules(map)]);
	const status: MapStatus = { map, state: state?.state ?? 'not-started', backlog, alertRules: rules.length };
	if (state?.detail !== undefined) status.detail = state.detail;
	if (state) status.since = state.since;
	if (state?.lastSuccessAt !== undefined) status.lastSuccessAt = state.lastSuccessAt;
	if (state?.lastErrorAt !== undefined) status.lastErrorAt = state.lastErrorAt;
	if (state?.lastError !== undefined) status.lastError = state.lastError;
	return status;
}

/** Every map the store knows (a state, a journaled change or an alert rule), sorted by id. */
export async function mapStatuses(store: StateStore): Promise<MapStatus[]> {
	const statuses: MapStatus[] = [];
	for (const map of await store.listMaps()) statuses.push(await mapStatus(store, map));
	return statuses;
}

/** Who asked and why, for the activity log (the node passes its workflow and execution). */
export interface AdminRequest {
	reason?: string;
	by?: Record<string, unknown>;
}

export interface MapControlResult {
	/** False when the map already was in the requested condition (nothing was logged). */
	changed: boolean;
	previous: MapStatusState;
	status: MapStatus;
}

function activityDetail(request: AdminRequest, extra: Record<string, unknown>): Record<string, unknown> {
	return { ...(request.reason ? { reason: request.reason } : {}), ...(request.by ? { by: request.by } : {}), ...extra };
}

export async function pauseMap(store: StateStore, map: string, request: AdminRequest = {}): Promise<MapControlResult> {
	const previous = (await store.getMapState(map))?.state ?? 'not-started';
	if (previous === 'paused') return { changed: false, previous, status: await mapStatus(store, map) };
	await store.setMapState(map, 'paused', request.reason ? `paused: ${request.reason}` : 'paused by an operator');
	const counts = await store.counts(map);
	await store.logActivity(map, 'paused', activityDetail(request, { from: previous, backlog: counts.pending + counts['in-flight'] }));
	return { changed: true, previous, status: await mapStatus(store, map) };
}

/**
 * Paused or stopped -> `catching-up` while changes are waiting, else straight back to `running` (nothing to catch up,
 * and no trigger may be running to notice). Any other state is left alone.
 */
export async function resumeMap(store: StateStore, map: string, request: AdminRequest = {}): Promise<MapControlResult> {
	const previous = (await store.getMapState(map))?.state ?? 'not-started';
	if (previous !== 'paused' && previous !== 'stopped') return { changed: false, previous, status: await mapStatus(store, map) };
	const counts = await store.counts(map);
	const waiting = counts.pending + counts['in-flight'];
	const next: MapRunState = waiting > 0 ? 'catching-up' : 'running';
	const why = request.reason ? `resumed: ${request.reason}` : 'resumed by an operator';
	await store.setMapState(map, next, waiting > 0 ? `${why}; catching up on ${waiting} journaled change${waiting === 1 ? '' : 's'}` : why);
	await store.logActivity(map, 'resumed', activityDetail(request, { from: previous, to: next, backlog: waiting }));
	return { changed: true, previous, status: await mapStatus(store, map) };
}
