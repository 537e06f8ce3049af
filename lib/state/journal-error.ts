/**
 * Turns whatever a write threw into the plain JSON the journal keeps, with an error class that decides retry and
 * alerting. Messages of ODataError are already redacted by lib/odata; other errors' messages are redacted here, since
 * the journal is shown to people.
 */
import { NetworkError, ODataError, redactSecrets } from '../odata';
import type { ErrorClass, JournalError } from './types';

export function classifyError(error: unknown): ErrorClass {
	if (error instanceof NetworkError) return 'transient';
	if (!(error instanceof ODataError)) return 'unknown';
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
