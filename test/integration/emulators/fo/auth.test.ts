import { INTEGRATION_APP, TENANT_ID, USER_APP } from '../../../../emulators/common/directory';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

const expect401 = async (token: string | null) => {
	const r = await h.call('GET', '/data/CustomerGroups', { token });
	expect(r.status).toBe(401);
	expect(r.headers.get('www-authenticate')).toBe('Bearer');
	expect(r.text).toBe('');
};

describe('F&O emulator: authentication', () => {
	it('accepts a token from the real token endpoint (v2 scope) for the emulator URL', async () => {
		const r = await h.call('GET', '/data/CustomerGroups');
		expect(r.status).toBe(200);
		expect(r.json<{ value: unknown[] }>().value.length).toBeGreaterThan(0);
	});

	it('accepts a v1 token requested with resource=<base url>', async () => {
		const res = await fetch(`${h.tokenUrl}/${TENANT_ID}/oauth2/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'client_credentials', client_id: INTEGRATION_APP.clientId, client_secret: INTEGRATION_APP.clientSecret, resource: h.url }),
		});
		const { access_token } = (await res.json()) as { access_token: string };
		expect((await h.call('GET', '/data/Currencies', { token: access_token })).status).toBe(200);
	});

	it('401 with WWW-Authenticate: Bearer and an empty body without a token', () => expect401(null));

	it('401 for a token with a broken signature', async () => {
		const t = await h.token();
		await expect401(`${t.slice(0, -4)}AAAA`);
	});

	it('401 for a token issued for another resource (wrong audience)', async () => {
		await expect401(await h.token(INTEGRATION_APP, 'https://other.operations.dynamics.com/.default'));
	});

	it('401 for an expired token', async () => {
		await fetch(`${h.tokenUrl}/_emulator/settings`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 0 }) });
		try {
			const res = await fetch(`${h.tokenUrl}/${TENANT_ID}/oauth2/v2.0/token`, {
				method: 'POST',
				body: new URLSearchParams({ grant_type: 'client_credentials', client_id: USER_APP.clientId, client_secret: USER_APP.clientSecret, scope: `${h.url}/.default` }),
			});
			await expect401(((await res.json()) as { access_token: string }).access_token);
		} finally {
			await fetch(`${h.tokenUrl}/_emulator/settings`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 3599 }) });
		}
	});

	it('401 for a valid token whose app is not registered as an F&O user, 200 again once registered', async () => {
		const t = await h.token(USER_APP);
		expect((await h.call('DELETE', `/_emulator/apps/${USER_APP.clientId}`)).status).toBe(204);
		await expect401(t);
		const add = await h.call('POST', '/_emulator/apps', { body: { clientId: USER_APP.clientId, userId: 'Admin', defaultCompany: 'demf' } });
		expect(add.status).toBe(200);
		const r = await h.call('GET', '/data/CustomersV3?$select=dataAreaId&$top=1', { token: t });
		expect(r.json<{ value: Array<{ dataAreaId: string }> }>().value[0].dataAreaId).toBe('demf');
		await h.call('POST', '/_emulator/apps/reset');
	});

	it('maps both default apps to F&O users (DualWriteSvc, Admin) with default company usmf', async () => {
		const apps = await h.get<{ value: Array<{ clientId: string; userId: string; defaultCompany: string }> }>('/_emulator/apps');
		expect(apps.value).toEqual(
			expect.arrayContaining([
				{ clientId: INTEGRATION_APP.clientId, userId: 'DualWriteSvc', defaultCompany: 'usmf' },
				{ clientId: USER_APP.clientId, userId: 'Admin', defaultCompany: 'usmf' },
			]),
		);
	});

	it('401 also for $metadata and $batch without a token', async () => {
		expect((await h.call('GET', '/data/$metadata', { token: null })).status).toBe(401);
		expect((await h.call('POST', '/data/$batch', { token: null, body: 'x', headers: { 'content-type': 'multipart/mixed; boundary=b' } })).status).toBe(401);
	});
});
