/** Journal rows to and from the interface's types, and filters to SQL. */
import type { SQLInputValue } from 'node:sqlite';
import type { SystemName } from '../../odata';
import type { SyncDirection } from '../../maps/types';
import type { ChangeType } from '../../sync/envelope';
import { canonicalKey, parseKey } from '../keys';
import type { JournalEntry, JournalError, JournalFilter, JournalStatus } from '../types';
import { optional, parseJson } from './database';

export interface JournalRow {
	id: number;
	map: string;
	direction: string;
	change: string;
	source_system: string;
	source_entity: string | null;
	source_key: string;
	source_version: string | null;
	source_at: string | null;
	event_id: string | null;
	target_system: string;
	target_entity: string | null;
	target_key: string | null;
	order_key: string;
	payload: string | null;
	original_payload: string | null;
	status: string;
	attempts: number;
	next_attempt_at: number;
	lease: string | null;
	lease_until: number | null;
	error_class: string | null;
	last_error: string | null;
	decision: string | null;
	detail: string | null;
	created_at: number;
	updated_at: number;
}

export function rowToEntry(row: JournalRow): JournalEntry {
	const entry: JournalEntry = {
		id: row.id,
		map: row.map,
		direction: row.direction as SyncDirection,
		change: row.change as ChangeType,
		source: { system: row.source_system as SystemName, key: parseKey(row.source_key) },
		target: { system: row.target_system as SystemName },
		orderKey: row.order_key,
		payload: parseJson(row.payload),
		status: row.status as JournalStatus,
		attempts: row.attempts,
		nextAttemptAt: row.next_attempt_at,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	};
	const source = entry.source;
	if (row.source_entity !== null) source.entity = row.source_entity;
	if (row.source_version !== null) source.version = row.source_version;
	if (row.event_id !== null) source.eventId = row.event_id;
	if (row.source_at !== null) source.at = row.source_at;
	if (row.target_entity !== null) entry.target.entity = row.target_entity;
	if (row.target_key !== null) entry.target.key = parseKey(row.target_key);
	if (row.original_payload !== null) entry.originalPayload = parseJson(row.original_payload);
	if (row.lease_until !== null) entry.leaseUntil = row.lease_until;
	const error = parseJson<JournalError>(row.last_error);
	if (error) entry.error = error;
	if (row.decision !== null) entry.decision = optional(row.decision);
	if (row.detail !== null) entry.detail = optional(row.detail);
	return entry;
}

export interface SqlFilter {
	where: string;
	params: SQLInputValue[];
}

/** WHERE clause of a filter; statuses given as `defaultStatus` apply when the filter names none. */
export function filterToSql(filter: JournalFilter, defaultStatus?: JournalStatus[]): SqlFilter {
	const clauses: string[] = [];
	const params: SQLInputValue[] = [];
	if (filter.map !== undefined) {
		clauses.push('map = ?');
		params.push(filter.map);
	}
	if (filter.key !== undefined) {
		const key = canonicalKey(filter.key);
		clauses.push('(source_key = ? OR target_key = ?)');
		params.push(key, key);
	}
	if (filter.orderKey !== undefined) {
		clauses.push('order_key = ?');
		params.push(filter.orderKey);
	}
	const statuses = filter.status === undefined ? defaultStatus : Array.isArray(filter.status) ? filter.status : [filter.status];
	if (statuses !== undefined) {
		clauses.push(statuses.length === 0 ? '1 = 0' : `status IN (${statuses.map(() => '?').join(', ')})`);
		params.push(...statuses);
	}
	if (filter.errorClass !== undefined) {
		const classes = Array.isArray(filter.errorClass) ? filter.errorClass : [filter.errorClass];
		clauses.push(classes.length === 0 ? '1 = 0' : `error_class IN (${classes.map(() => '?').join(', ')})`);
		params.push(...classes);
	}
	if (filter.eventId !== undefined) {
		clauses.push('event_id = ?');
		params.push(filter.eventId);
	}
	if (filter.from !== undefined) {
		clauses.push('created_at >= ?');
		params.push(filter.from);
	}
	if (filter.to !== undefined) {
		clauses.push('created_at < ?');
		params.push(filter.to);
	}
	return { where: clauses.length > 0 ? clauses.join(' AND ') : '1 = 1', params };
}
