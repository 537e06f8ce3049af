import type { IDataObject } from 'n8n-workflow';
import type { AlertTrip } from '../../lib/sync';
import { iso, mapTitle } from '../DualWrite/actions/common';

/** One trip as the alert workflow's item, with a ready-made sentence for a mail subject or a chat message. */
export function tripItem(trip: AlertTrip): IDataObject {
	const rule = trip.rule;
	const errorClass = rule?.errorClass ?? 'any';
	const what = errorClass === 'any' ? 'failures' : `${errorClass} failures`;
	const title = mapTitle(trip.map);
	const summary =
		`Dual-write map ${trip.map}: ${trip.errors} ${what} within ${rule?.windowMinutes ?? '?'} minutes ` +
		`(alert rule "${rule?.name ?? '?'}", threshold ${rule?.threshold ?? '?'})` +
		(trip.paused ? '; the map is paused until someone resumes it.' : trip.state === 'paused' ? '; the map was already paused.' : '.');
	return {
		summary,
		map: trip.map,
		...(title ? { mapTitle: title } : {}),
		rule: rule?.name ?? null,
		ruleId: rule?.id ?? null,
		errorClass,
		threshold: rule?.threshold ?? null,
		windowMinutes: rule?.windowMinutes ?? null,
		errors: trip.errors,
		windowStart: iso(trip.windowStart),
		at: iso(trip.at),
		paused: trip.paused,
		state: trip.state,
		sample: trip.sample.map((failure) => ({ ...failure, at: iso(failure.at) })) as unknown as IDataObject[],
		activityId: trip.activityId,
	};
}
