/**
 * The echo ledger: per map, side and record key, the hash and version of what we last wrote there and of what we
 * last saw from there, plus the assumed master state (RxDB's meta store, with two masters). Rows of the two sides of
 * one record point at each other once a sync links them, and carry the same master state, so it can be found from
 * whichever side an event comes.
 */
import type { SystemName } from '../../odata';
import type { EnvelopeKey } from '../../sync/envelope';
import { canonicalKey, parseKey } from '../keys';
import type { EchoVerdict, LedgerEntry, LedgerMark, LedgerSync } from '../types';
import type { StoreContext } from './context';
import { json, nul, parseJson } from './database';

interface LedgerRow {
	map: string;
	side: string;
	record_key: string;
	counterpart_key: string | null;
	written_hash: string | null;
	written_version: string | null;
	written_at: number | null;
	seen_hash: string | null;
	seen_version: string | null;
	seen_at: number | null;
	master_values: string | null;
	master_hash: string | null;
	master_at: number | null;
}

const UPSERT_WRITTEN = `INSERT INTO ledger (map, side, record_key, written_hash, written_version, written_at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (map, side, record_key) DO UPDATE SET
		written_hash = excluded.written_hash, written_version = excluded.written_version, written_at = excluded.written_at`;

const UPSERT_SEEN = `INSERT INTO ledger (map, side, record_key, seen_hash, seen_version, seen_at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (map, side, record_key) DO UPDATE SET
		seen_hash = excluded.seen_hash, seen_version = excluded.seen_version, seen_at = excluded.seen_at`;

const SET_MASTER = `UPDATE ledger SET counterpart_key = ?, master_values = ?, master_hash = ?, master_at = ?
	WHERE map = ? AND side = ? AND record_key = ? AND (master_at IS NULL OR master_at <= ?)`;

const SET_COUNTERPART = 'UPDATE ledger SET counterpart_key = ? WHERE map = ? AND side = ? AND record_key = ?';

function asArray<T>(value: T | T[]): T[] {
	return Array.isArray(value) ? value : [value];
}

function mark(ctx: StoreContext, sql: string, marks: LedgerMark[]): void {
	const { db } = ctx;
	db.write(() => {
		const now = ctx.now();
		for (const m of marks) db.run(sql, m.map, m.side, canonicalKey(m.key), m.hash, nul(m.version), m.at ?? now);
	});
}

export function recordWrite(ctx: StoreContext, marks: LedgerMark | LedgerMark[]): void {
	mark(ctx, UPSERT_WRITTEN, asArray(marks));
}

export function recordSeen(ctx: StoreContext, marks: LedgerMark | LedgerMark[]): void {
	mark(ctx, UPSERT_SEEN, asArray(marks));
}

export function recordSync(ctx: StoreContext, syncs: LedgerSync | LedgerSync[]): void {
	const { db } = ctx;
	db.write(() => {
		const now = ctx.now();
		for (const sync of asArray(syncs)) {
			const at = sync.at ?? now;
			const sourceKey = canonicalKey(sync.source.key);
			const targetKey = canonicalKey(sync.target.key);
			db.run(UPSERT_SEEN, sync.map, sync.source.side, sourceKey, sync.source.hash, nul(sync.source.version), at);
			db.run(UPSERT_WRITTEN, sync.map, sync.target.side, targetKey, sync.target.hash, nul(sync.target.version), at);
			if (sync.master === undefined) {
				db.run(SET_COUNTERPART, targetKey, sync.map, sync.source.side, sourceKey);
				db.run(SET_COUNTERPART, sourceKey, sync.map, sync.target.side, targetKey);
			} else {
				const values = json(sync.master);
				const sourceValues = sync.sourceMaster === undefined ? values : json(sync.sourceMaster);
				// The master hash is the target's: the agreed values as the last written side normalises them.
				// A master's time is when the values behind it were read; an older read never replaces a newer one.
				const sourceBasis = sync.sourceBasedOn ?? at;
				const targetBasis = sync.masterBasedOn ?? at;
				db.run(SET_MASTER, targetKey, sourceValues, sync.target.hash, sourceBasis, sync.map, sync.source.side, sourceKey, sourceBasis);
				db.run(SET_MASTER, sourceKey, values, sync.target.hash, targetBasis, sync.map, sync.target.side, targetKey, targetBasis);
			}
		}
	});
}

function rowToEntry(row: LedgerRow): LedgerEntry {
	const entry: LedgerEntry = { map: row.map, side: row.side as SystemName, key: parseKey(row.record_key) };
	if (row.counterpart_key !== null) entry.counterpartKey = parseKey(row.counterpart_key);
	if (row.written_hash !== null) entry.writtenHash = row.written_hash;
	if (row.written_version !== null) entry.writtenVersion = row.written_version;
	if (row.written_at !== null) entry.writtenAt = row.written_at;
	if (row.seen_hash !== null) entry.seenHash = row.seen_hash;
	if (row.seen_version !== null) entry.seenVersion = row.seen_version;
	if (row.seen_at !== null) entry.seenAt = row.seen_at;
	const values = parseJson<Record<string, unknown>>(row.master_values);
	if (values !== undefined && row.master_at !== null) {
		entry.master = { values, at: row.master_at };
		if (row.master_hash !== null) entry.master.hash = row.master_hash;
	}
	return entry;
}

export function getLedger(ctx: StoreContext, map: string, side: SystemName, key: EnvelopeKey): LedgerEntry | undefined {
	const row = ctx.db.get<LedgerRow>('SELECT * FROM ledger WHERE map = ? AND side = ? AND record_key = ?', map, side, canonicalKey(key));
	return row ? rowToEntry(row) : undefined;
}

/**
 * Our write is the echo source only while it is the latest thing we know of that side: once we have seen a newer
 * value there (a person's edit), the same hash coming back is a person typing the old value again, not an echo.
 * Callers record the echo as seen afterwards, so a duplicated delivery of it reads as `no-change`.
 */
export function isEcho(
	ctx: StoreContext,
	map: string,
	side: SystemName,
	key: EnvelopeKey,
	observed: { hash?: string; version?: string },
): EchoVerdict {
	const entry = getLedger(ctx, map, side, key);
	if (!entry) return { echo: false, detail: 'no ledger entry for this record' };
	if (observed.version !== undefined && observed.version === entry.writtenVersion) {
		return { echo: true, decision: 'echo', detail: 'version equals the version our last write produced' };
	}
	const writeIsLatest = entry.writtenAt !== undefined && (entry.seenAt === undefined || entry.writtenAt >= entry.seenAt);
	if (observed.hash !== undefined && observed.hash === entry.writtenHash && writeIsLatest) {
		return { echo: true, decision: 'echo', detail: 'hash equals the hash of our last write' };
	}
	if (observed.version !== undefined && observed.version === entry.seenVersion) {
		return { echo: false, decision: 'no-change', detail: 'version already seen from this side' };
	}
	if (observed.hash !== undefined && observed.hash === entry.seenHash) {
		return { echo: false, decision: 'no-change', detail: 'hash equals the values last seen from this side' };
	}
	return { echo: false, detail: 'differs from our last write and from what we last saw' };
}
