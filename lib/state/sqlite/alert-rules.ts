/**
 * Alert rules and their trips. Evaluating a rule (counting, sampling) is the engine's job (lib/sync/alerts.ts); the
 * store keeps the rules and records a trip atomically: the compare-and-set on the rule's last trip, the
 * `rule-tripped` activity entry and the pause happen in one transaction, so that when several processes evaluate at
 * once exactly one of them acts, and a crash never leaves a trip half recorded.
 */
import type { AlertRule, AlertRuleInput, AlertTripRecord, AlertTripRecorded, ErrorClass, MapRunState } from '../types';
import { ERROR_CLASSES } from '../types';
import { insertActivity } from './activity';
import type { StoreContext } from './context';
import { nul } from './database';
import { writeMapState } from './map-state';

interface AlertRuleRow {
	id: number;
	map: string;
	name: string;
	error_class: string | null;
	threshold: number;
	window_minutes: number;
	pause: number;
	notify: number;
	last_trip_at: number | null;
	last_trip_baseline: number | null;
	created_at: number;
	updated_at: number;
}

function rowToRule(row: AlertRuleRow): AlertRule {
	const rule: AlertRule = {
		id: row.id,
		map: row.map,
		name: row.name,
		threshold: row.threshold,
		windowMinutes: row.window_minutes,
		pause: row.pause === 1,
		notify: row.notify === 1,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	};
	if (row.error_class !== null) rule.errorClass = row.error_class as ErrorClass;
	if (row.last_trip_at !== null) rule.lastTrip = { at: row.last_trip_at, baseline: row.last_trip_baseline ?? 0 };
	return rule;
}

/** The rule's shape as the activity log shows it (no trip state). */
export function describeRule(rule: AlertRule): Record<string, unknown> {
	return {
		id: rule.id,
		name: rule.name,
		errorClass: rule.errorClass ?? null,
		threshold: rule.threshold,
		windowMinutes: rule.windowMinutes,
		pause: rule.pause,
		notify: rule.notify,
	};
}

function validateRule(rule: AlertRuleInput): void {
	if (typeof rule.map !== 'string' || rule.map.trim() === '') throw new TypeError('an alert rule needs a map id');
	if (rule.errorClass !== undefined && !ERROR_CLASSES.includes(rule.errorClass)) {
		throw new TypeError(`unknown error class ${JSON.stringify(rule.errorClass)} (known: ${ERROR_CLASSES.join(', ')})`);
	}
	if (!Number.isInteger(rule.threshold) || rule.threshold < 1) throw new TypeError('an alert rule’s threshold is a whole number of failures, at least 1');
	// The error counters have minute resolution and are purged with the retention (31 days by default).
	if (!Number.isInteger(rule.windowMinutes) || rule.windowMinutes < 1 || rule.windowMinutes > 44_640) {
		throw new TypeError('an alert rule’s window is a whole number of minutes, 1 to 44640 (31 days)');
	}
}

export function ruleName(rule: Pick<AlertRuleInput, 'name' | 'errorClass'>): string {
	const name = rule.name?.trim();
	return name ? name : (rule.errorClass ?? 'any');
}

export function setAlertRule(ctx: StoreContext, input: AlertRuleInput): AlertRule {
	validateRule(input);
	const { db } = ctx;
	const map = input.map.trim();
	const name = ruleName(input);
	return db.write(() => {
		const now = ctx.now();
		const previous = db.get<AlertRuleRow>('SELECT * FROM alert_rule WHERE map = ? AND name = ?', map, name);
		db.run(
			`INSERT INTO alert_rule (map, name, error_class, threshold, window_minutes, pause, notify, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (map, name) DO UPDATE SET error_class = excluded.error_class, threshold = excluded.threshold,
				window_minutes = excluded.window_minutes, pause = excluded.pause, notify = excluded.notify, updated_at = excluded.updated_at`,
			map,
			name,
			nul(input.errorClass),
			input.threshold,
			input.windowMinutes,
			input.pause ? 1 : 0,
			input.notify ? 1 : 0,
			now,
			now,
		);
		const rule = rowToRule(db.get<AlertRuleRow>('SELECT * FROM alert_rule WHERE map = ? AND name = ?', map, name) as AlertRuleRow);
		insertActivity(ctx, map, 'config-changed', { alertRule: describeRule(rule), action: previous ? 'updated' : 'added' }, now);
		return rule;
	});
}

export function listAlertRules(ctx: StoreContext, map?: string): AlertRule[] {
	const rows =
		map === undefined
			? ctx.db.all<AlertRuleRow>('SELECT * FROM alert_rule ORDER BY map, name')
			: ctx.db.all<AlertRuleRow>('SELECT * FROM alert_rule WHERE map = ? ORDER BY name', map);
	return rows.map(rowToRule);
}

export function deleteAlertRule(ctx: StoreContext, map: string, name: string): boolean {
	const { db } = ctx;
	return db.write(() => {
		const row = db.get<AlertRuleRow>('SELECT * FROM alert_rule WHERE map = ? AND name = ?', map, name);
		if (!row) return false;
		db.run('DELETE FROM alert_rule WHERE id = ?', row.id);
		insertActivity(ctx, map, 'config-changed', { alertRule: describeRule(rowToRule(row)), action: 'deleted' }, ctx.now());
		return true;
	});
}

export function recordAlertTrip(ctx: StoreContext, trip: AlertTripRecord): AlertTripRecorded | undefined {
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
		const row = db.get<AlertRuleRow>('SELECT * FROM alert_rule WHERE id = ?', trip.ruleId);
		if (!row || (row.last_trip_at ?? undefined) !== trip.expectLastTripAt) return undefined;
		db.run('UPDATE alert_rule SET last_trip_at = ?, last_trip_baseline = ? WHERE id = ?', trip.mark.at, trip.mark.baseline, trip.ruleId);
		const current = db.get<{ state: string }>('SELECT state FROM map_state WHERE map = ?', row.map)?.state as MapRunState | undefined;
		const pause = trip.pause && current !== 'paused' && current !== 'stopped';
		const state: MapRunState = pause ? 'paused' : (current ?? 'running');
		const activity = insertActivity(ctx, row.map, 'rule-tripped', { ...trip.detail, paused: pause, state }, now);
		if (pause) writeMapState(ctx, row.map, 'paused', `paused by alert rule "${row.name}"`, now);
		return { activity, state, paused: pause };
	});
}
