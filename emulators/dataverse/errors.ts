import { json, type EmuResponse } from '../common/http';

/**
 * A Dataverse error: HTTP status plus the `{"error":{"code","message"}}` body. Codes are the platform's
 * hex error codes; where Microsoft's docs print an empty code the live service still sends one, and we
 * send the one it sends (README lists each choice).
 */
export class DvError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = 'DvError';
	}
}

export const CODES = {
	objectDoesNotExist: '0x80040217',
	duplicateRecord: '0x80040237',
	concurrencyVersionMismatch: '0x80060882',
	invalidArgument: '0x80040203',
	propertyNotFound: '0x80060888',
	resourceNotFound: '0x8006088a',
	payload: '0x80048d19',
	outOfRange: '0x8004431a',
	maxLength: '0x80044331',
	pluginFailed: '0x80040265',
	requiredMissing: '0x80040200',
	notMember: '0x80072560',
	throttled: '0x80072322',
	unexpected: '0x80040216',
	depthExceeded: '0x80044182',
	tooLarge: '0x8004e000',
	keyNotValid: '0x80060891',
	expiredVersionStamp: '0x80044352',
} as const;

export function errorResponse(e: DvError, headers: Record<string, string> = {}): EmuResponse {
	return json(e.status, { error: { code: e.code, message: e.message } }, { 'odata-version': '4.0', ...headers });
}

/** Turns a DvError into its response; anything else is a bug and propagates (-> 500 from the HTTP layer). */
export function toErrorResponse(e: unknown): EmuResponse {
	if (e instanceof DvError) return errorResponse(e);
	throw e;
}

export const badRequest = (message: string, code: string = CODES.invalidArgument) => new DvError(400, code, message);
export const notFound = (message: string, code: string = CODES.objectDoesNotExist) => new DvError(404, code, message);
