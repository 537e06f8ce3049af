import { json, type EmuResponse } from '../common/http';
import type { EntityDef } from './model';

/** Thrown anywhere below the router; the router turns it into its response. */
export class FoHttpError extends Error {
	constructor(readonly response: EmuResponse) {
		super(`HTTP ${response.status}`);
	}
}

/** The OData error body F&O's OData stack returns for request (URI, query, key) errors. */
export function odataError(status: number, message: string): EmuResponse {
	return json(status, { error: { code: '', message } });
}

export const badRequest = (message: string) => new FoHttpError(odataError(400, message));

export function notFoundSegment(segment: string): FoHttpError {
	return new FoHttpError(odataError(404, `Resource not found for the segment '${segment}'.`));
}

/** What ASP.NET Web API (under F&O's /data) answers for a path no controller matches. */
export function noHttpResource(baseUrl: string, rawPath: string): EmuResponse {
	return json(404, { Message: `No HTTP resource was found that matches the request URI '${baseUrl}${rawPath}'.` });
}

export type WriteOperation = 'Create' | 'Update' | 'Delete';

const STACK: Record<WriteOperation, string> = {
	Create: '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)',
	Update: '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.UpdateEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)',
	Delete: '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.DeleteEntity(ChangeOperationContext context, ChangeInfo changeInfo)',
};

/**
 * F&O's write failure: HTTP 500 with an AxODataWriteException whose message lists the Infolog entries,
 * e.g. `Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: ...; Warning: ...`.
 */
export function writeFailure(def: EntityDef, infolog: string[], op: WriteOperation): FoHttpError {
	const verb = op === 'Delete' ? 'Delete' : 'Write';
	return new FoHttpError(
		json(500, {
			error: {
				code: '',
				message: 'An error has occurred.',
				innererror: {
					message: `${verb} failed for table row of type '${def.aotName}'. Infolog: ${infolog.join('; ')}`,
					type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
					stacktrace: STACK[op],
				},
			},
		}),
	);
}
