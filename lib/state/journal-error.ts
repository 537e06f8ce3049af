/**
 * Turns whatever a write threw into the plain JSON the journal keeps, with an error class that decides retry and
 * alerting. Messages of ODataError are already redacted by lib/odata; other errors' messages are redacted here, since
 * the journal is shown to people.
 */
import { NetworkError, ODataError, redactSecrets } from '../odata';
import type { ErrorClass, JournalError } from './types';

/**
 * A write that names a record the server does not have (a lookup to a customer group not synced yet): retried
 * once the parent arrives. Dataverse says so with 0x80040217 on a bind; F&O with its "not found in the related
 * table" Infolog line.
 */
const MISSING_REFERENCE_CODES = new Set(['0x80040217']);
const MISSING_REFERENCE_TEXT = /not found in the related table|does not exist in .* entity \(referenced by/i;

export function classifyError(error: unknown): ErrorClass {
	if (error instanceof NetworkError) return 'transient';
	if (!(error instanceof ODataError)) return 'unknown';
	if (error.status === 400 || error.status === 404) {
		if (error.serverCode !== undefined && MISSING_REFERENCE_CODES.has(error.serverCode.toLowerCase())) return 'missing-reference';
		if (MISSING_REFERENCE_TEXT.test(`${error.serverMessage ?? ''} ${error.innerMessage ?? ''}`)) return 'missing-reference';
	}
	switch (error.status) {
		case 429:
			return 'throttling';
		case 401:
		case 403:
			return 'auth';
		case 409:
		case 412:
			return 'conflict';
		case 404:
			return 'missing-reference';
		default:
			if (error.transient) return 'transient';
			return error.status !== undefined && error.status >= 400 && error.status < 600 ? 'validation' : 'unknown';
	}
}

export function toJournalError(error: unknown, errorClass: ErrorClass = classifyError(error)): JournalError {
	if (error instanceof ODataError) {
		return { class: errorClass, message: error.message, status: error.status, retryAfterMs: error.retryAfterMs, details: error.toJSON() };
	}
	if (error instanceof Error) return { class: errorClass, message: redactSecrets(error.message), details: { name: error.name } };
	return { class: errorClass, message: redactSecrets(String(error)) };
}
