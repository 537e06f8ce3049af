import {
	DataverseWebhookRegistrar,
	headerAuthValue,
	newWebhookSecret,
	parseFilteringAttributes,
	POST_IMAGE_ALIAS,
	postImageBody,
	registrationSignature,
	secretMatches,
	serviceEndpointBody,
	staleEndpoints,
	stepBody,
	WEBHOOK_SECRET_HEADER,
} from '../../../lib/connectors';
import type { HttpRequest, HttpResponse } from '../../../lib/odata';
import { parseAuthPairs } from '../../../emulators/dataverse/webhooks';

const ENV = 'https://org.crm.dynamics.com';
const URL_ = 'http://127.0.0.1:5678/webhook/6f1c7a0e-0000-4000-8000-000000000001/webhook';
const EP = 'aaaaaaaa-0000-4000-8000-000000000001';
const MSG = { Create: '9ebdbb1b-ea3e-db11-86a7-000a3a5473e8', Update: '20bebb1b-ea3e-db11-86a7-000a3a5473e8', Delete: '20bebb1b-ea3e-db11-86a7-000a3a5473e9' };

describe('registration bodies', () => {
	it('service endpoint: contract 8 webhook, Http Header auth with the secret header, JSON', () => {
		const body = serviceEndpointBody({ url: URL_, secret: 's3cr"et' });
		expect(body).toMatchObject({ contract: 8, url: URL_, authtype: 5, messageformat: 2 });
		expect(String(body.name)).toContain(URL_);
		// The emulator's reader of Dataverse's settings XML gets the header back, escaping undone.
		expect(parseAuthPairs(body.authvalue)).toEqual([[WEBHOOK_SECRET_HEADER, 's3cr"et']]);
		expect(headerAuthValue('h', '<&>')).toBe('<settings><setting name="h" value="&lt;&amp;&gt;" /></settings>');
	});

	it('step: asynchronous post-operation, bound to message, filter and endpoint; filtering attributes on Update only', () => {
		const update = stepBody({ message: 'Update', messageId: MSG.Update, messageFilterId: 'f1', endpointId: EP, logicalName: 'account', filteringAttributes: ['name', 'creditlimit'] });
		expect(update).toMatchObject({
			stage: 40,
			mode: 1,
			filteringattributes: 'name,creditlimit',
			'sdkmessageid@odata.bind': `/sdkmessages(${MSG.Update})`,
			'sdkmessagefilterid@odata.bind': '/sdkmessagefilters(f1)',
			'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${EP})`,
		});
		const create = stepBody({ message: 'Create', messageId: MSG.Create, messageFilterId: 'f2', endpointId: EP, logicalName: 'account', filteringAttributes: ['name'] });
		expect(create).not.toHaveProperty('filteringattributes');
		expect(stepBody({ message: 'Update', messageId: MSG.Update, messageFilterId: 'f1', endpointId: EP, logicalName: 'account', filteringAttributes: [] })).not.toHaveProperty(
			'filteringattributes',
		);
	});

	it('synchronous step: mode 0 in post-operation (inside the transaction), no async auto-delete; post-image: all columns, Id for Create, Target for Update', () => {
		const sync = stepBody({ message: 'Update', messageId: MSG.Update, messageFilterId: 'f1', endpointId: EP, logicalName: 'account', synchronous: true });
		expect(sync).toMatchObject({ stage: 40, mode: 0 });
		expect(sync).not.toHaveProperty('asyncautodelete');
		expect(String(sync.name)).toMatch(/synchronous/);
		expect(stepBody({ message: 'Update', messageId: MSG.Update, messageFilterId: 'f1', endpointId: EP, logicalName: 'account' })).toMatchObject({ mode: 1, asyncautodelete: true });
		expect(postImageBody({ message: 'Update', stepId: 's1' })).toEqual({
			name: POST_IMAGE_ALIAS,
			entityalias: POST_IMAGE_ALIAS,
			imagetype: 1,
			messagepropertyname: 'Target',
			'sdkmessageprocessingstepid@odata.bind': '/sdkmessageprocessingsteps(s1)',
		});
		expect(postImageBody({ message: 'Create', stepId: 's1' }).messagepropertyname).toBe('Id');
	});

	it('filtering attributes: commas or spaces, trimmed, lower-cased, de-duplicated', () => {
		expect(parseFilteringAttributes(' Name, creditlimit ,,name\nTelephone1 ')).toEqual(['name', 'creditlimit', 'telephone1']);
		expect(parseFilteringAttributes('')).toEqual([]);
		expect(parseFilteringAttributes(undefined)).toEqual([]);
	});

	it('signature ignores order and duplicates of messages and attributes, and changes with URL, table, events or filter', () => {
		const base = { url: URL_, entity: 'accounts', messages: ['Create', 'Update'] as const, filteringAttributes: ['name', 'creditlimit'] };
		expect(registrationSignature(base)).toBe(registrationSignature({ ...base, messages: ['Update', 'Create', 'Update'], filteringAttributes: ['creditlimit', 'name'] }));
		expect(registrationSignature(base)).not.toBe(registrationSignature({ ...base, entity: 'contacts' }));
		expect(registrationSignature(base)).not.toBe(registrationSignature({ ...base, messages: ['Create'] }));
		expect(registrationSignature(base)).not.toBe(registrationSignature({ ...base, filteringAttributes: [] }));
		expect(registrationSignature(base)).not.toBe(registrationSignature({ ...base, url: `${URL_}x` }));
		// Toggling Synchronous re-registers; an asynchronous registration keeps the signature it had before the option.
		expect(registrationSignature(base)).not.toBe(registrationSignature({ ...base, synchronous: true }));
		expect(registrationSignature({ ...base, synchronous: false })).toBe(registrationSignature(base));
		expect(registrationSignature(base)).toBe(JSON.stringify([URL_, 'accounts', ['Create', 'Update'], ['creditlimit', 'name']]));
	});
});

describe('finding what is ours', () => {
	it('stale endpoints: webhooks for our URL other than the one we keep; other URLs and contracts untouched', () => {
		const endpoints = [
			{ serviceendpointid: 'A', url: URL_, contract: 8 },
			{ serviceendpointid: 'b', url: URL_, contract: 8 },
			{ serviceendpointid: 'c', url: 'https://elsewhere/hook', contract: 8 },
			{ serviceendpointid: 'd', url: URL_, contract: 7 },
		];
		expect(staleEndpoints(endpoints, URL_).map((e) => e.serviceendpointid)).toEqual(['A', 'b']);
		expect(staleEndpoints(endpoints, URL_, 'a').map((e) => e.serviceendpointid)).toEqual(['b']);
	});

	it('secret check: equal only for the same non-empty value', () => {
		const secret = newWebhookSecret();
		expect(secret).toMatch(/^[0-9a-f]{64}$/);
		expect(newWebhookSecret()).not.toBe(secret);
		expect(secretMatches(secret, secret)).toBe(true);
		expect(secretMatches([secret], secret)).toBe(true);
		expect(secretMatches(`${secret}0`, secret)).toBe(false);
		expect(secretMatches(secret.replace(/.$/, 'x'), secret)).toBe(false);
		expect(secretMatches(undefined, secret)).toBe(false);
		expect(secretMatches('', '')).toBe(false);
		expect(secretMatches('x', undefined)).toBe(false);
	});
});

/** A scripted Dataverse: answers by method + path prefix and records every request. */
function fakeDataverse(routes: Array<[string, (request: HttpRequest) => Partial<HttpResponse> & { json?: unknown }]>) {
	const sent: HttpRequest[] = [];
	const transport = async (request: HttpRequest): Promise<HttpResponse> => {
		sent.push(request);
		const path = decodeURIComponent(request.url.slice(`${ENV}/api/data/v9.2/`.length));
		const route = routes.find(([prefix]) => `${request.method} ${path}`.startsWith(prefix));
		if (!route) return { status: 404, headers: {}, body: '{"error":{"code":"0x80040217","message":"Not found"}}' };
		const answer = route[1](request);
		return { status: answer.status ?? 200, headers: answer.headers ?? {}, body: answer.json !== undefined ? JSON.stringify(answer.json) : (answer.body ?? '') };
	};
	const calls = () => sent.map((request) => `${request.method} ${decodeURIComponent(request.url.slice(`${ENV}/api/data/v9.2/`.length)).split('?')[0]}`);
	return { sent, calls, registrar: new DataverseWebhookRegistrar({ environmentUrl: ENV, transport, retry: { maxAttempts: 1 } }) };
}

const lookups: Array<[string, (request: HttpRequest) => { json: unknown }]> = [
	["GET sdkmessages?$select=sdkmessageid&$filter=name eq 'Create'", () => ({ json: { value: [{ sdkmessageid: MSG.Create }] } })],
	["GET sdkmessages?$select=sdkmessageid&$filter=name eq 'Update'", () => ({ json: { value: [{ sdkmessageid: MSG.Update }] } })],
	['GET sdkmessagefilters', (r) => ({ json: { value: [{ sdkmessagefilterid: decodeURIComponent(r.url).includes(MSG.Create) ? 'fc' : 'fu' }] } })],
];

describe('DataverseWebhookRegistrar', () => {
	it('register: sweeps stale endpoints for the URL (steps first), then creates the endpoint and one step per message', async () => {
		let step = 0;
		const dv = fakeDataverse([
			['GET serviceendpoints?', () => ({ json: { value: [{ serviceendpointid: 'old', url: URL_, contract: 8 }] } })],
			['GET serviceendpoints(old)', () => ({ json: { serviceendpointid: 'old' } })],
			['GET sdkmessageprocessingsteps?', () => ({ json: { value: [{ sdkmessageprocessingstepid: 'oldstep' }] } })],
			['DELETE ', () => ({ status: 204 })],
			...lookups,
			['POST serviceendpoints', () => ({ status: 201, json: { serviceendpointid: EP.toUpperCase() } })],
			['POST sdkmessageprocessingsteps', () => ({ status: 204, headers: { 'odata-entityid': `${ENV}/api/data/v9.2/sdkmessageprocessingsteps(0000000${++step}-0000-4000-8000-000000000000)` } })],
		]);
		const registration = await dv.registrar.register({ url: URL_, secret: 'k', logicalName: 'account', messages: ['Create', 'Update', 'Create'], filteringAttributes: ['name'] });
		expect(registration).toEqual({
			endpointId: EP,
			stepIds: { Create: '00000001-0000-4000-8000-000000000000', Update: '00000002-0000-4000-8000-000000000000' },
			imageIds: {},
		});
		expect(dv.calls()).toEqual([
			'GET serviceendpoints',
			'GET serviceendpoints(old)',
			'GET sdkmessageprocessingsteps',
			'DELETE sdkmessageprocessingsteps(oldstep)',
			'DELETE serviceendpoints(old)',
			'GET sdkmessages',
			'GET sdkmessagefilters',
			'GET sdkmessages',
			'GET sdkmessagefilters',
			'POST serviceendpoints',
			'POST sdkmessageprocessingsteps',
			'POST sdkmessageprocessingsteps',
		]);
		expect(decodeURIComponent(dv.sent[0].url)).toContain(`contract eq 8 and url eq '${URL_}'`);
		expect(decodeURIComponent(dv.sent[6].url)).toContain(`_sdkmessageid_value eq ${MSG.Create} and primaryobjecttypecode eq 'account'`);
		const steps = dv.sent.filter((r) => r.method === 'POST' && r.url.endsWith('sdkmessageprocessingsteps')).map((r) => JSON.parse(r.body ?? '{}'));
		expect(steps.map((s) => [s['sdkmessagefilterid@odata.bind'], s.filteringattributes])).toEqual([
			['/sdkmessagefilters(fc)', undefined],
			['/sdkmessagefilters(fu)', 'name'],
		]);
	});

	it('register synchronous: mode 0 steps, a post-image per Create and Update step, none for Delete', async () => {
		let step = 0;
		let image = 0;
		const dv = fakeDataverse([
			['GET serviceendpoints?', () => ({ json: { value: [] } })],
			...lookups,
			["GET sdkmessages?$select=sdkmessageid&$filter=name eq 'Delete'", () => ({ json: { value: [{ sdkmessageid: MSG.Delete }] } })],
			['POST serviceendpoints', () => ({ status: 201, json: { serviceendpointid: EP } })],
			['POST sdkmessageprocessingsteps', () => ({ status: 201, json: { sdkmessageprocessingstepid: `S${++step}` } })],
			['POST sdkmessageprocessingstepimages', () => ({ status: 201, json: { sdkmessageprocessingstepimageid: `I${++image}` } })],
		]);
		const registration = await dv.registrar.register({ url: URL_, secret: 'k', logicalName: 'account', messages: ['Create', 'Update', 'Delete'], synchronous: true });
		expect(registration).toEqual({ endpointId: EP, stepIds: { Create: 's1', Update: 's2', Delete: 's3' }, imageIds: { Create: 'i1', Update: 'i2' } });
		const posts = dv.sent.filter((r) => r.method === 'POST').map((r) => [r.url.split('/').pop(), JSON.parse(r.body ?? '{}') as Record<string, unknown>] as const);
		expect(posts.filter(([set]) => set === 'sdkmessageprocessingsteps').map(([, body]) => body.mode)).toEqual([0, 0, 0]);
		expect(posts.filter(([set]) => set === 'sdkmessageprocessingstepimages').map(([, body]) => [body['sdkmessageprocessingstepid@odata.bind'], body.messagepropertyname])).toEqual([
			['/sdkmessageprocessingsteps(s1)', 'Id'],
			['/sdkmessageprocessingsteps(s2)', 'Target'],
		]);
	});

	it('register: a table without a message filter fails before anything is created', async () => {
		const dv = fakeDataverse([
			['GET serviceendpoints?', () => ({ json: { value: [] } })],
			["GET sdkmessages?", () => ({ json: { value: [{ sdkmessageid: MSG.Create }] } })],
			['GET sdkmessagefilters', () => ({ json: { value: [] } })],
		]);
		await expect(dv.registrar.register({ url: URL_, secret: 'k', logicalName: 'nosuchtable', messages: ['Create'] })).rejects.toThrow(/nosuchtable/);
		expect(dv.calls().filter((c) => c.startsWith('POST'))).toEqual([]);
	});

	it('register: a step that fails removes the endpoint and steps created so far, and the step error is reported', async () => {
		let posts = 0;
		const dv = fakeDataverse([
			['GET serviceendpoints?', () => ({ json: { value: [] } })],
			...lookups,
			['POST serviceendpoints', () => ({ status: 201, json: { serviceendpointid: EP } })],
			[
				'POST sdkmessageprocessingsteps',
				() => (++posts === 1 ? { status: 201, json: { sdkmessageprocessingstepid: 'S1' } } : { status: 400, json: { error: { code: '0x80040203', message: 'bad step' } } }),
			],
			[`GET serviceendpoints(${EP})`, () => ({ json: { serviceendpointid: EP } })],
			['GET sdkmessageprocessingsteps?', () => ({ json: { value: [{ sdkmessageprocessingstepid: 's1' }] } })],
			['DELETE ', () => ({ status: 204 })],
		]);
		await expect(dv.registrar.register({ url: URL_, secret: 'k', logicalName: 'account', messages: ['Create', 'Update'] })).rejects.toThrow(/bad step/);
		expect(dv.calls().filter((c) => c.startsWith('DELETE'))).toEqual(['DELETE sdkmessageprocessingsteps(s1)', `DELETE serviceendpoints(${EP})`]);
	});

	it('unregister: an endpoint already gone is done (404 tolerated), its recorded steps are still removed', async () => {
		const dv = fakeDataverse([['DELETE sdkmessageprocessingsteps(s1)', () => ({ status: 204 })]]);
		await dv.registrar.unregister(EP, ['s1', 's2']);
		expect(dv.calls()).toEqual([`GET serviceendpoints(${EP})`, 'DELETE sdkmessageprocessingsteps(s1)', 'DELETE sdkmessageprocessingsteps(s2)', `DELETE serviceendpoints(${EP})`]);
	});

	it('unregister: recorded images go first, then the steps and the endpoint', async () => {
		const dv = fakeDataverse([['DELETE ', () => ({ status: 204 })]]);
		await dv.registrar.unregister(EP, ['s1'], ['I1']);
		expect(dv.calls()).toEqual(['DELETE sdkmessageprocessingstepimages(i1)', `GET serviceendpoints(${EP})`, 'DELETE sdkmessageprocessingsteps(s1)', `DELETE serviceendpoints(${EP})`]);
	});

	it('endpointExists: 404 is false, 200 is true, other errors throw', async () => {
		const dv = fakeDataverse([
			['GET serviceendpoints(yes)', () => ({ json: { serviceendpointid: 'yes' } })],
			['GET serviceendpoints(boom)', () => ({ status: 403, json: { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } } })],
		]);
		await expect(dv.registrar.endpointExists('yes')).resolves.toBe(true);
		await expect(dv.registrar.endpointExists('no')).resolves.toBe(false);
		await expect(dv.registrar.endpointExists('boom')).rejects.toThrow(/not a member/);
	});
});
