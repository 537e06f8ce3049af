import type { IDataObject } from 'n8n-workflow';
import type { AlertRule } from '../../../../lib/state';
import { iso } from '../common';

export function ruleJson(rule: AlertRule): IDataObject {
	return {
		id: rule.id,
		map: rule.map,
		name: rule.name,
		errorClass: rule.errorClass ?? 'any',
		threshold: rule.threshold,
		windowMinutes: rule.windowMinutes,
		pause: rule.pause,
		notify: rule.notify,
		lastTripAt: iso(rule.lastTrip?.at),
		createdAt: iso(rule.createdAt),
		updatedAt: iso(rule.updatedAt),
	};
}
