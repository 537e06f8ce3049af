import { randomUUID } from 'node:crypto';
import { APPS, signToken, TENANT_DOMAIN, TENANT_ID, type TokenClaims } from '../common/directory';
import { json, type EmuRequest, type EmuResponse, type Handler } from '../common/http';
import { Faults } from '../common/faults';

/**
 * Entra ID token endpoint, client-credentials grant only: v1 `/{tenant}/oauth2/token` with `resource=`
 * and v2 `/{tenant}/oauth2/v2.0/token` with `scope=<resource>/.default`. Error bodies and AADSTS codes
 * follow what Entra returns for the same mistakes.
 */
export interface TokenServerOptions {
	/** Lifetime of issued tokens; short values let tests exercise expiry. */
	tokenLifetimeSec?: number;
}

export function createTokenHandler(options: TokenServerOptions = {}): { handler: Handler; faults: Faults; settings: Required<TokenServerOptions> } {
	const settings = { tokenLifetimeSec: options.tokenLifetimeSec ?? 3599 };
	const faults = new Faults('token');
	const route = async (req: EmuRequest): Promise<EmuResponse> => {
		if (req.rawPath === '/_emulator/settings' && req.method === 'POST') {
			const body = JSON.parse(req.body.toString('utf8') || '{}') as Partial<TokenServerOptions>;
			if (typeof body.tokenLifetimeSec === 'number') settings.tokenLifetimeSec = body.tokenLifetimeSec;
			return json(200, settings);
		}
		const m = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token$/.exec(req.rawPath);
		if (!m) return json(404, { error: 'not_found', error_description: `No endpoint at ${req.rawPath}` });
		if (req.method !== 'POST') return aadError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
		return issueToken(req, decodeURIComponent(m[1]), m[2] ? '2.0' : '1.0', settings.tokenLifetimeSec);
	};
	return { handler: faults.wrap(route), faults, settings };
}

function issueToken(req: EmuRequest, tenant: string, ver: '1.0' | '2.0', lifetime: number): EmuResponse {
	if (tenant !== TENANT_ID && tenant.toLowerCase() !== TENANT_DOMAIN) {
		return aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
	}
	const form = new URLSearchParams(req.body.toString('utf8'));
	let clientId = form.get('client_id') ?? undefined;
	let clientSecret = form.get('client_secret') ?? undefined;
	const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
	if (basic) {
		const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
		clientId = decodeURIComponent(id ?? '');
		clientSecret = decodeURIComponent(secret ?? '');
	}
	const grant = form.get('grant_type');
	if (!grant) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
	if (grant !== 'client_credentials') {
		return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'. This emulator implements client_credentials only.`);
	}
	if (!clientId) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
	const app = APPS.find((a) => a.clientId === clientId);
	if (!app) {
		return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${TENANT_DOMAIN}'.`);
	}
	if (!clientSecret) {
		return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
	}
	if (clientSecret !== app.clientSecret) {
		return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app \'' + app.clientId + "'.");
	}
	let audience: string;
	if (ver === '1.0') {
		const resource = form.get('resource');
		if (!resource) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.");
		audience = resource;
	} else {
		const scope = (form.get('scope') ?? '').trim();
		if (!scope) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
		const scopes = scope.split(/\s+/);
		if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
			return aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
		}
		audience = scopes[0].slice(0, -'/.default'.length);
	}
	if (!/^https?:\/\/[^/]+/i.test(audience)) {
		return aadError(400, 'invalid_resource', 500011, `The resource principal named ${audience} was not found in the tenant named ${TENANT_DOMAIN}.`);
	}
	const now = Math.floor(Date.now() / 1000);
	const claims: TokenClaims = {
		aud: audience.replace(/\/+$/, ''),
		iss: ver === '1.0' ? `https://sts.windows.net/${TENANT_ID}/` : `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
		iat: now,
		nbf: now,
		exp: now + lifetime,
		appid: app.clientId,
		oid: app.objectId,
		tid: TENANT_ID,
		ver,
	};
	const token = signToken(claims);
	const common = { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
	const body =
		ver === '1.0'
			? { ...common, expires_in: String(lifetime), ext_expires_in: String(lifetime), expires_on: String(claims.exp), not_before: String(now), resource: audience }
			: common;
	return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
}

function aadError(status: number, error: string, code: number, description: string): EmuResponse {
	const traceId = randomUUID();
	const correlationId = randomUUID();
	const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
	return json(status, {
		error,
		error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
		error_codes: [code],
		timestamp,
		trace_id: traceId,
		correlation_id: correlationId,
		error_uri: `https://login.microsoftonline.com/error?code=${code}`,
	});
}
