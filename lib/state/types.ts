/**
 * The state store: everything the sync engine must remember across executions and processes (DESIGN §6). n8n may
 * run the trigger, the map and the upsert in different processes at once, so no caller may keep any of this in
 * memory as the truth. Every method is async so that a PostgreSQL backend (n8n queue mode) can implement the same
 * interface; the embedded default is `openSqliteStateStore` (./sqlite/store.ts).
 *
 * Times are epoch milliseconds. Keys are the integration keys of the envelope (`EnvelopeKey`); the store compares
 * them in a canonical form (fields sorted by name, see ./keys.ts), so callers must normalise values (case, trimming)
 * before they get here, exactly as for hashing.
 */
import type { SystemName } from '../odata';
import type { SyncDirection } from '../maps/types';
import type { ChangeType, EnvelopeKey } from '../sync/envelope';

// ---------------------------------------------------------------------------------------------------------------
// Echo ledger (the RxDB "meta store", with two masters)

/** What we know about one record on one side. */
export interface LedgerSide {
	/** Normalised hash of the mapped values we last wrote to this side. */
	writtenHash?: string;
	/** Version (ETag, RowVersion, ControlNumber) the side returned for our last write. */
	writtenVersion?: string;
	writtenAt?: number;
	/** Normalised hash of the mapped values we last read or received from this side. */
	seenHash?: string;
	seenVersion?: string;
	seenAt?: number;
}

/** The last mapped values both sides agreed on: the base of a field-level three-way merge. */
export interface MasterState {
	values: Record<string, unknown>;
	hash?: string;
	at: number;
}

export interface LedgerEntry extends LedgerSide {
	map: string;
	side: SystemName;
	key: EnvelopeKey;
	/** The same record's key on the other side, once a sync has linked them. */
	counterpartKey?: EnvelopeKey;
	master?: MasterState;
}

/** One observation or write of one record on one side. */
export interface LedgerMark {
	map: string;
	side: SystemName;
	key: EnvelopeKey;
	hash: string;
	version?: string;
	/** Defaults to the store's clock. */
	at?: number;
}

/** A completed sync of one record: seen on the source, written to the target, and the values both now hold. */
export interface LedgerSync {
	map: string;
	source: { side: SystemName; key: EnvelopeKey; hash: string; version?: string };
	target: { side: SystemName; key: EnvelopeKey; hash: string; version?: string };
	/**
	 * The agreed mapped values (the new assumed master state) under the target's field names, stored on the target's
	 * row; omitted = leave the master state unchanged.
	 */
	master?: Record<string, unknown>;
	/**
	 * The same agreement under the source's field names, stored on the source's row (a later change in the other
	 * direction merges against it). Omitted = the source's row gets `master` too.
	 */
	sourceMaster?: Record<string, unknown>;
	/**
	 * When the values behind each side's master were read (default: `at`). It is stored as the master's time, and a
	 * master based on an older read never replaces one based on a newer read: the two directions' batches can finish
	 * in either order.
	 */
	masterBasedOn?: number;
	sourceBasedOn?: number;
	at?: number;
}

/**
 * `isEcho` answer for an incoming change. `echo`: it is the event our own write raised (same version as our write,
 * or same hash as our write with nothing newer seen from that side since). `no-change`: its values equal what we
 * last saw from that side (a duplicate or a no-op update). Both are skip decisions of the envelope.
 */
export interface EchoVerdict {
	echo: boolean;
	decision?: 'echo' | 'no-change';
	/** Why, for the envelope's `detail` (names the ledger field that matched, never values). */
	detail: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Journal

/**
 * `pending`: waiting to be claimed (possibly not before `nextAttemptAt`, after a retryable failure — then `error`
 * holds the last failure). `in-flight`: claimed under a lease. `failed`: given up (non-retryable error or attempts
 * exhausted) until someone retries or dismisses it. `done`/`skipped`/`dismissed`: final, purged after retention.
 */
export type JournalStatus = 'pending' | 'in-flight' | 'done' | 'failed' | 'skipped' | 'dismissed';

export const JOURNAL_STATUSES: readonly JournalStatus[] = ['pending', 'in-flight', 'done', 'failed', 'skipped', 'dismissed'];

export type ErrorClass = 'validation' | 'missing-reference' | 'throttling' | 'transient' | 'auth' | 'conflict' | 'unknown';

export const ERROR_CLASSES: readonly ErrorClass[] = ['validation', 'missing-reference', 'throttling', 'transient', 'auth', 'conflict', 'unknown'];

/** A failure as journaled: plain JSON (an `ODataError.toJSON()` goes into `details`). */
export interface JournalError {
	class: ErrorClass;
	message: string;
	/** Server's Retry-After: the next attempt is never scheduled earlier. */
	retryAfterMs?: number;
	status?: number;
	details?: Record<string, unknown>;
}

export interface NewChange {
	map: string;
	direction: SyncDirection;
	change: ChangeType;
	/** The source system follows from `direction`. */
	source: { entity?: string; key: EnvelopeKey; version?: string; eventId?: string; at?: string };
	target?: { entity?: string; key?: EnvelopeKey };
	/** The captured record (customer data: stored in the state file only, never logged). */
	payload?: unknown;
	/**
	 * Changes with the same order key are processed one at a time, in append order. Default: the source system plus
	 * the canonical source key. Pass one record identity for both directions to order them against each other too.
	 */
	orderKey?: string;
	/**
	 * Record an already decided change (an echo skipped at the trigger) so that lineage shows it, or one that already
	 * failed elsewhere (an initial sync's record) so that the error log holds it for a retry. Default pending.
	 */
	status?: 'pending' | 'skipped' | 'done' | 'failed';
	/** Why it failed: required with status `failed`; on a pending change, the failure it is retried after. */
	error?: JournalError;
	decision?: string;
	detail?: string;
	/** Not claimable before this time. */
	notBefore?: number;
}

export interface AppendResult {
	/** One per input change, in input order. A duplicate reports the id of the change already journaled. */
	results: Array<{ id: number; duplicate: boolean }>;
}

export interface JournalEntry {
	id: number;
	map: string;
	direction: SyncDirection;
	change: ChangeType;
	source: { system: SystemName; entity?: string; key: EnvelopeKey; version?: string; eventId?: string; at?: string };
	target: { system: SystemName; entity?: string; key?: EnvelopeKey };
	orderKey: string;
	payload: unknown;
	/** The payload as captured, kept when a retry edited it. */
	originalPayload?: unknown;
	status: JournalStatus;
	/** Times the change was claimed. */
	attempts: number;
	nextAttemptAt: number;
	leaseUntil?: number;
	error?: JournalError;
	decision?: string;
	detail?: string;
	createdAt: number;
	updatedAt: number;
}

export interface ClaimOptions {
	/** How long the claimer owns the batch; after that the changes return to pending. */
	leaseMs: number;
	/** Claim even when the map is paused or stopped (an operator's manual run). */
	ignoreMapState?: boolean;
	/**
	 * Claim changes of this direction only: the two workflows of one map (F&O -> Dataverse and back) drain one
	 * journal, taking turns. Either direction's batch in flight makes the map "busy" (one batch per map at a time,
	 * so each batch merges against the agreement the previous one recorded). Default: both directions.
	 */
	direction?: SyncDirection;
}

export interface ClaimedBatch {
	/** Token that `complete`/`extendLease`/`release` must present: a late worker cannot touch a re-claimed batch. */
	lease: string;
	leaseUntil: number;
	/** In journal order; at most one change per order key. */
	changes: JournalEntry[];
}

/** Why a claim returned nothing, so a worker can tell "idle" from "someone else is on it". */
export type ClaimBlock = 'empty' | 'busy' | 'paused' | 'stopped';

export type ClaimResult = ClaimedBatch | { lease?: undefined; changes: []; blocked: ClaimBlock };

export type ChangeOutcome =
	| { id: number; status: 'done'; detail?: string }
	| { id: number; status: 'skipped'; decision: string; detail?: string }
	| {
			id: number;
			status: 'failed';
			error: JournalError;
			/** Override the class default (see `RETRYABLE_CLASSES`): retry with backoff, or give up now. */
			retry?: boolean;
	  };

export interface CompleteResult {
	/** Ids whose outcome was recorded. */
	completed: number[];
	/** Of those, failures scheduled for another attempt (back to pending with a later `nextAttemptAt`). */
	rescheduled: number[];
	/** Ids not in-flight under this lease (lease expired and re-claimed, or unknown): outcome ignored. */
	stale: number[];
}

export interface JournalFilter {
	map?: string;
	/** Matches the source or the target key. */
	key?: EnvelopeKey;
	orderKey?: string;
	status?: JournalStatus | JournalStatus[];
	/** The class of the last error; several = any of them. */
	errorClass?: ErrorClass | ErrorClass[];
	eventId?: string;
	/** createdAt >= from */
	from?: number;
	/** createdAt < to */
	to?: number;
}

export interface ListOptions extends JournalFilter {
	/** Default 100, at most 1000. */
	limit?: number;
	/** `nextCursor` of the previous page. */
	cursor?: string;
	/** Default 'desc' (newest first, as an error log reads). */
	order?: 'asc' | 'desc';
}

export interface Page<T> {
	items: T[];
	nextCursor?: string;
}

/** Ids, or a filter; a filter without `status` selects `failed` changes only, so nothing is replayed by accident. */
export type JournalSelection = number[] | JournalFilter;

export interface RetryOptions {
	/**
	 * Replace the payload (one change only); the captured one is kept as `originalPayload` (`null` when nothing was
	 * captured), which marks the change as edited: live sync then lays the payload's fields over the record it reads.
	 */
	editedPayload?: unknown;
	/** Default now. */
	notBefore?: number;
}

export interface PurgeOptions {
	/** Remove final changes (done, skipped, dismissed), activity and error counters last updated before this time. */
	olderThan?: number;
	/** Used when `olderThan` is absent. Default 31 days. */
	retentionMs?: number;
}

export interface PurgeResult {
	journal: number;
	activity: number;
	errorBuckets: number;
}

export type JournalCounts = Record<JournalStatus, number> & {
	/** Pending changes that already failed at least once and wait for their next attempt. */
	retrying: number;
};

// ---------------------------------------------------------------------------------------------------------------
// Map states, cursors, activity, alerts

/**
 * `paused`/`stopped`: nothing is claimed, capture keeps journaling. `catching-up`: resumed, the backlog journaled
 * meanwhile drains like live changes; the first claim that finds nothing due and nothing in flight in the map sets it
 * back to `running` (in the claim's transaction, so a concurrent pause is never overwritten).
 */
export type MapRunState = 'running' | 'paused' | 'catching-up' | 'initial-sync' | 'stopped';

export interface MapState {
	map: string;
	state: MapRunState;
	detail?: string;
	/** When the current state was entered. */
	since: number;
	/** Last time `complete` recorded a done change. */
	lastSuccessAt?: number;
	lastErrorAt?: number;
	lastError?: JournalError;
}

export interface Cursor {
	name: string;
	value: string;
	updatedAt: number;
}

export interface SetCursorOptions {
	/** Compare-and-set: write only if the current value equals this (null: only if the cursor does not exist). */
	expect?: string | null;
}

export type ActivityEvent =
	| 'started'
	| 'paused'
	| 'resumed'
	| 'stopped'
	| 'state-changed'
	| 'initial-sync-started'
	| 'initial-sync-finished'
	| 'rule-tripped'
	| 'config-changed'
	| (string & {});

export interface ActivityEntry {
	id: number;
	map: string;
	event: ActivityEvent;
	detail?: Record<string, unknown>;
	at: number;
}

export interface ActivityQuery {
	map?: string;
	/** Only these events. */
	events?: ActivityEvent[];
	since?: number;
	limit?: number;
	/** `nextCursor` of the previous page, or an entry's id as text (with `order: 'asc'`: the entries after it). */
	cursor?: string;
	/** Default 'desc' (newest first). */
	order?: 'asc' | 'desc';
}

/**
 * A rule of the data admin's alert settings (Microsoft's "alert settings" per map): when `threshold` failed attempts
 * of `errorClass` (any class when absent) happen within `windowMinutes`, the rule trips: a `rule-tripped` activity
 * entry, the map paused if `pause`, and Dual-Write Alert Triggers notified if `notify`.
 */
export interface AlertRuleInput {
	map: string;
	/** Names the rule within its map: setting a rule with the same map and name replaces it. Default: the error class, or `any`. */
	name?: string;
	errorClass?: ErrorClass;
	threshold: number;
	windowMinutes: number;
	pause: boolean;
	notify: boolean;
}

/** The last trip of a rule: failures counted at or before it do not count towards the next trip. */
export interface AlertTripMark {
	at: number;
	/** Failures of the trip's minute already counted (the counters have minute resolution). */
	baseline: number;
}

export interface AlertRule extends AlertRuleInput {
	id: number;
	name: string;
	createdAt: number;
	updatedAt: number;
	lastTrip?: AlertTripMark;
}

/** One trip as `recordAlertTrip` writes it, atomically and at most once per rule and previous trip. */
export interface AlertTripRecord {
	ruleId: number;
	/** Compare-and-set: the `lastTrip.at` the evaluator saw (undefined: never tripped). */
	expectLastTripAt: number | undefined;
	mark: AlertTripMark;
	/** The `rule-tripped` activity entry's detail. */
	detail: Record<string, unknown>;
	/** Pause the map in the same transaction (unless it is already paused or stopped). */
	pause: boolean;
}

export interface AlertTripRecorded {
	activity: ActivityEntry;
	/** The map's state after the trip. */
	state: MapRunState;
	/** This trip paused the map. */
	paused: boolean;
}

// ---------------------------------------------------------------------------------------------------------------

export interface StateStore {
	// Echo ledger
	recordWrite(marks: LedgerMark | LedgerMark[]): Promise<void>;
	recordSeen(marks: LedgerMark | LedgerMark[]): Promise<void>;
	/** Seen on the source, written to the target, master state on both, counterparts linked: one transaction. */
	recordSync(syncs: LedgerSync | LedgerSync[]): Promise<void>;
	getLedger(map: string, side: SystemName, key: EnvelopeKey): Promise<LedgerEntry | undefined>;
	isEcho(map: string, side: SystemName, key: EnvelopeKey, observed: { hash?: string; version?: string }): Promise<EchoVerdict>;

	// Journal
	append(changes: NewChange[]): Promise<AppendResult>;
	claimBatch(map: string, limit: number, options: ClaimOptions): Promise<ClaimResult>;
	complete(lease: string, outcomes: ChangeOutcome[]): Promise<CompleteResult>;
	/** Heartbeat for a long batch; false when the lease is no longer held. */
	extendLease(lease: string, leaseMs: number): Promise<boolean>;
	/** Give back the lease's unfinished changes without counting an attempt (a worker shutting down). */
	release(lease: string): Promise<number>;
	/**
	 * Every in-flight change of a map (optionally one direction) back to pending without counting an attempt: the only
	 * claimer of that map and direction is starting, so whatever is in flight was left by a process that died.
	 */
	releaseInFlight(map: string, direction?: SyncDirection): Promise<number>;
	get(id: number): Promise<JournalEntry | undefined>;
	list(options?: ListOptions): Promise<Page<JournalEntry>>;
	/** Back to pending (failed, skipped, dismissed or done: a replay); attempts restart. Returns the ids re-queued. */
	retry(selection: JournalSelection, options?: RetryOptions): Promise<number[]>;
	/** Failed or pending (not in-flight) changes set aside for good. Returns the ids dismissed. */
	dismiss(selection: JournalSelection, reason?: string): Promise<number[]>;
	purge(options?: PurgeOptions): Promise<PurgeResult>;
	counts(map: string): Promise<JournalCounts>;

	// Map states
	getMapState(map: string): Promise<MapState | undefined>;
	/** Also writes a `state-changed` activity entry when the state actually changes. */
	setMapState(map: string, state: MapRunState, detail?: string): Promise<MapState>;

	// Cursors / checkpoints
	getCursor(name: string): Promise<Cursor | undefined>;
	/** True when written; false when `expect` did not match. */
	setCursor(name: string, value: string, options?: SetCursorOptions): Promise<boolean>;

	// Activity and alerts
	logActivity(map: string, event: ActivityEvent, detail?: Record<string, unknown>): Promise<ActivityEntry>;
	listActivity(query?: ActivityQuery): Promise<Page<ActivityEntry>>;
	/**
	 * Failed attempts (each `complete` failure, retried or not) of a map since a time, from per-minute counters: the
	 * minute containing `sinceMs` counts whole. `errorClass` undefined = all classes.
	 */
	countErrors(map: string, errorClass: ErrorClass | undefined, sinceMs: number): Promise<number>;
	/** Adds or replaces (same map and name) a rule, logging `config-changed`; it applies from the next evaluation. */
	setAlertRule(rule: AlertRuleInput): Promise<AlertRule>;
	/** By map, then name. */
	listAlertRules(map?: string): Promise<AlertRule[]>;
	/** False when there was no such rule. */
	deleteAlertRule(map: string, name: string): Promise<boolean>;
	/** Undefined when the rule is gone or another evaluator recorded a trip since `expectLastTripAt`. */
	recordAlertTrip(trip: AlertTripRecord): Promise<AlertTripRecorded | undefined>;

	/** Every map the store knows: with a state, a journaled change or an alert rule. Sorted. */
	listMaps(): Promise<string[]>;

	close(): Promise<void>;
}
