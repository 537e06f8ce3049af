import { startHttpServer, type RunningServer } from '../../../../emulators/common/http';
import { INTEGRATION_APP, TENANT_DOMAIN, TENANT_ID, verifyBearer } from '../../../../emulators/common/directory';
import { createTokenHandler } from '../../../../emulators/token/server';

const RESOURCE = 'https://usmf-emulator.operations.dynamics.com';

describe('token emulator (Entra ID client credentials)', () => {
	let server: RunningServer;
	let settings: { tokenLifetimeSec: number };

	beforeAll(async () => {
		const token = createTokenHandler();
		settings = token.settings;
		server = await startHttpServer(token.handler, 0);
	});
	afterAll(() => server.close());

	const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
		fetch(`${server.url}${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
			body: new URLSearchParams(form).toString(),
		});
	const good = { grant_type: 'client_credentials', client_id: INTEGRATION_APP.clientId, client_secret: INTEGRATION_APP.clientSecret };

	it('issues a v2 token for scope=<resource>/.default whose audience is the resource', async () => {
		const res = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { ...good, scope: `${RESOURCE}/.default` });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
		expect(body.token_type).toBe('Bearer');
		expect(body.expires_in).toBe(3599);
		const check = verifyBearer(`Bearer ${body.access_token}`, RESOURCE);
		expect(check).toMatchObject({ ok: true, claims: { appid: INTEGRATION_APP.clientId, oid: INTEGRATION_APP.objectId, tid: TENANT_ID, ver: '2.0' } });
		expect(verifyBearer(`Bearer ${body.access_token}`, 'https://other.crm.dynamics.com')).toEqual({ ok: false, reason: 'audience' });
	});

	it('issues a v1 token for resource= (no trailing slash needed), also by tenant domain name', async () => {
		const res = await post(`/${TENANT_DOMAIN}/oauth2/token`, { ...good, resource: RESOURCE });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { access_token: string; resource: string; expires_on: string };
		expect(body.resource).toBe(RESOURCE);
		expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000);
		expect(verifyBearer(`Bearer ${body.access_token}`, `${RESOURCE}/`)).toMatchObject({ ok: true });
	});

	it('accepts client credentials in an HTTP Basic header', async () => {
		const basic = Buffer.from(`${good.client_id}:${good.client_secret}`).toString('base64');
		const res = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { grant_type: 'client_credentials', scope: `${RESOURCE}/.default` }, { authorization: `Basic ${basic}` });
		expect(res.status).toBe(200);
	});

	it.each([
		['wrong secret', { ...good, client_secret: 'nope', scope: `${RESOURCE}/.default` }, TENANT_ID, 401, 'invalid_client', 7000215],
		['unknown client', { ...good, client_id: '00000000-0000-0000-0000-000000000000', scope: `${RESOURCE}/.default` }, TENANT_ID, 400, 'unauthorized_client', 700016],
		['unknown tenant', { ...good, scope: `${RESOURCE}/.default` }, 'no-such-tenant', 400, 'invalid_request', 90002],
		['scope without /.default', { ...good, scope: `${RESOURCE}/user_impersonation` }, TENANT_ID, 400, 'invalid_scope', 1002012],
		['unsupported grant', { ...good, grant_type: 'password', scope: `${RESOURCE}/.default` }, TENANT_ID, 400, 'unsupported_grant_type', 70003],
		['missing scope', { ...good }, TENANT_ID, 400, 'invalid_request', 900144],
	])('rejects %s with the Entra error shape', async (_name, form, tenant, status, error, code) => {
		const res = await post(`/${tenant}/oauth2/v2.0/token`, form as Record<string, string>);
		expect(res.status).toBe(status);
		const body = (await res.json()) as { error: string; error_codes: number[]; error_description: string; access_token?: string };
		expect(body.error).toBe(error);
		expect(body.error_codes).toEqual([code]);
		expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
		expect(body.access_token).toBeUndefined();
	});

	it('v1 without resource is rejected', async () => {
		const res = await post(`/${TENANT_ID}/oauth2/token`, good);
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error_description: string }).error_description).toContain("'resource'");
	});

	it('tokens expire after their lifetime', async () => {
		const before = settings.tokenLifetimeSec;
		await fetch(`${server.url}/_emulator/settings`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 1 }) });
		try {
			const res = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { ...good, scope: `${RESOURCE}/.default` });
			const { access_token } = (await res.json()) as { access_token: string };
			expect(verifyBearer(`Bearer ${access_token}`, RESOURCE)).toMatchObject({ ok: true });
			expect(verifyBearer(`Bearer ${access_token}`, RESOURCE, Date.now() / 1000 + 2)).toEqual({ ok: false, reason: 'expired' });
		} finally {
			settings.tokenLifetimeSec = before;
		}
	});

	it('a tampered token fails verification', async () => {
		const res = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { ...good, scope: `${RESOURCE}/.default` });
		const { access_token } = (await res.json()) as { access_token: string };
		const [h, b, s] = access_token.split('.');
		const claims = JSON.parse(Buffer.from(b, 'base64url').toString()) as Record<string, unknown>;
		const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 9_999_999_999 })).toString('base64url')}.${s}`;
		expect(verifyBearer(`Bearer ${forged}`, RESOURCE)).toEqual({ ok: false, reason: 'invalid' });
		expect(verifyBearer(undefined, RESOURCE)).toEqual({ ok: false, reason: 'missing' });
	});

	it('faults admin: throttles the next request with Retry-After, then recovers', async () => {
		await fetch(`${server.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ throttleNext: 1, retryAfterSec: 7 }) });
		const first = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { ...good, scope: `${RESOURCE}/.default` });
		expect(first.status).toBe(429);
		expect(first.headers.get('retry-after')).toBe('7');
		const second = await post(`/${TENANT_ID}/oauth2/v2.0/token`, { ...good, scope: `${RESOURCE}/.default` });
		expect(second.status).toBe(200);
		const stats = (await (await fetch(`${server.url}/_emulator/stats`)).json()) as { faultedRequests: number; totalRequests: number };
		expect(stats.faultedRequests).toBe(1);
		expect(stats.totalRequests).toBeGreaterThanOrEqual(2);
	});

	it('faults admin rejects unknown settings', async () => {
		const res = await fetch(`${server.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ explode: true }) });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('explode');
	});
});
