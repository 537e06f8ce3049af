/**
 * The F&O (Dual-Write) Trigger hosted as n8n hosts a webhook node (test/support/run-webhook.ts): its lifecycle
 * methods register an endpoint in the F&O emulator through n8n's own HTTP helpers and OAuth2 credential, and the
 * emulator's real deliveries reach its webhook(), which journals them in the state store (DUAL_WRITE_STATE_FILE, a
 * temp file) or starts executions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const stateDir = mkdtempSync(path.join(tmpdir(), 'dw-fo-trigger-'));
process.env.DUAL_WRITE_STATE_FILE = path.join(stateDir, 'state.sqlite');

import type { INodeParameters } from 'n8n-workflow';
import { startEmulators, type RunningEmulators } from '../../../emulators';
import { createConnector, type Connector } from '../../../lib/connectors';
import { FO_EVENT_SECRET_HEADER } from '../../../lib/connectors/fo/eventEndpoints';
import { catalogMap, compileMap, type MapDefinition } from '../../../lib/maps';
import type { JournalEntry, StateStore } from '../../../lib/state';
import { ENVELOPE_FIELD, runCycle, type EnvelopedItem } from '../../../lib/sync';
import { DynamicsFoDualWriteTrigger } from '../../../nodes/DynamicsFoDualWriteTrigger/DynamicsFoDualWriteTrigger.node';
import { sharedStateStore } from '../../../nodes/shared/state';
import { authenticated, bearerTokens } from '../../support/emulators';
import { createAxiosTransport } from '../../support/axios-transport';
import { createCredentialsHelper } from '../../support/run-node';
import { startWebhookNode, type WebhookNode } from '../../support/run-webhook';
import { INTEGRATION_APP } from '../../../emulators/common/directory';

const TYPE = 'n8n-nodes-dual-write.dynamicsFoDualWriteTrigger';
const MAP = 'customers-v3-accounts';

let emulators: RunningEmulators;
let credentialsHelper: ReturnType<typeof createCredentialsHelper>;
let fo: Connector;
let store: StateStore;
const axios = createAxiosTransport();
const nodes: WebhookNode[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 8 }, eventRetryDelayMs: 20 });
	const credentials = (url: string) => ({
		grantType: 'clientCredentials',
		environmentUrl: url,
		tenantId: emulators.tenantId,
		cloud: 'custom',
		customTokenUrl: emulators.token.tokenUrl,
		accessTokenUrl: emulators.token.tokenUrl,
		scope: `${url}/.default`,
		clientId: emulators.integrationApp.clientId,
		clientSecret: emulators.integrationApp.clientSecret,
		authentication: 'body',
	});
	credentialsHelper = createCredentialsHelper({ dualWriteFoOAuth2Api: credentials(emulators.fo.url) });
	// Changes "made in F&O" go through a connector of their own, not through the node under test.
	fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: authenticated(axios, bearerTokens(emulators.token.url, INTEGRATION_APP, emulators.fo.url)) });
	store = await sharedStateStore();
});
afterEach(async () => {
	for (const node of nodes.splice(0)) {
		await node.hook('delete').catch(() => undefined);
		// Endpoints a test added by hand for the node's URL go too: nothing may deliver to a closed server.
		for (const endpoint of (await endpoints()).filter((e) => e.url === node.url)) {
			await fetch(`${emulators.fo.url}/_emulator/events/endpoints/${endpoint.id}`, { method: 'DELETE' });
		}
		await node.close();
	}
});
afterAll(async () => {
	axios.close();
	await emulators.close();
	await store.close();
	rmSync(stateDir, { recursive: true, force: true });
});

const entity = (name: string) => ({ __rl: true, mode: 'name', value: name });

function parameters(overrides: INodeParameters = {}): INodeParameters {
	return {
		entity: entity('CustomersV3'),
		events: ['Create', 'Update', 'Delete'],
		mode: 'journal',
		journalMap: MAP,
		registration: 'emulator',
		format: 'dataEvent',
		legalEntity: '',
		...overrides,
	};
}

async function trigger(overrides: INodeParameters = {}): Promise<WebhookNode> {
	const node = await startWebhookNode({ nodeType: new DynamicsFoDualWriteTrigger(), type: TYPE, parameters: parameters(overrides), credentialsHelper });
	nodes.push(node);
	return node;
}

async function endpoints(): Promise<Array<{ id: string; url: string; format: string; messages: string[]; headers: Record<string, string> }>> {
	const response = await fetch(`${emulators.fo.url}/_emulator/events/endpoints`);
	return ((await response.json()) as { value: Array<{ id: string; url: string; format: string; messages: string[]; headers: Record<string, string> }> }).value;
}

/** Until the emulator has no delivery pending (deliveries run asynchronously after each write). */
async function delivered(): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (emulators.fo.emulator.events.status().pending > 0) {
		if (Date.now() > deadline) throw new Error('the F&O emulator did not deliver within 10 s');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

async function journal(account: string, map = MAP): Promise<JournalEntry[]> {
	const all = (await store.list({ map, order: 'asc', limit: 1000 })).items;
	return all.filter((entry) => entry.source.key.CustomerAccount === account);
}

const customer = (account: string) => ({ dataAreaId: 'usmf', CustomerAccount: account });

describe('F&O (Dual-Write) Trigger: endpoint registration (emulator)', () => {
	it('activation registers one endpoint for the webhook URL with a fresh secret; activating again keeps it; deactivation removes it', async () => {
		const node = await trigger();
		expect(await node.activate()).toEqual({ created: true });
		const data = node.staticData();
		expect(data).toMatchObject({ entity: 'CustomersV3', key: ['dataAreaId', 'CustomerAccount'], endpointId: expect.any(String), secret: expect.stringMatching(/^[0-9a-f]{64}$/) });
		const registered = (await endpoints()).filter((e) => e.url === node.url);
		expect(registered).toHaveLength(1);
		expect(registered[0]).toMatchObject({ id: data.endpointId, format: 'dataEvent', messages: ['Create', 'Update', 'Delete'], headers: { [FO_EVENT_SECRET_HEADER]: data.secret } });

		// n8n calls checkExists on every start: the same registration stands, nothing new is created.
		expect(await node.activate('init')).toEqual({ created: false });
		expect(node.staticData()).toEqual(data);
		expect((await endpoints()).filter((e) => e.url === node.url)).toHaveLength(1);

		expect(await node.hook('delete')).toBe(true);
		expect(node.staticData()).toEqual({});
		expect((await endpoints()).filter((e) => e.url === node.url)).toHaveLength(0);
		// Deleting what is already gone is harmless.
		expect(await node.hook('delete')).toBe(true);
	});

	it('registers again when the settings changed or the endpoint was removed in F&O, and sweeps up one whose secret was lost', async () => {
		const node = await trigger();
		await node.activate();
		const first = node.staticData();

		node.setParameters(parameters({ events: ['Update'], format: 'businessEvent' }));
		expect(await node.activate('update')).toEqual({ created: true });
		const second = node.staticData();
		expect(second.endpointId).not.toBe(first.endpointId);
		expect(second.secret).not.toBe(first.secret);
		expect((await endpoints()).filter((e) => e.url === node.url)).toMatchObject([{ id: second.endpointId, format: 'businessEvent', messages: ['Update'] }]);

		await fetch(`${emulators.fo.url}/_emulator/events/endpoints/${String(second.endpointId)}`, { method: 'DELETE' });
		expect(await node.activate('init')).toEqual({ created: true });
		const third = node.staticData();
		expect((await endpoints()).filter((e) => e.url === node.url).map((e) => e.id)).toEqual([third.endpointId]);

		// n8n lost the static data (a crash before it was saved): the endpoint it cannot authenticate is replaced.
		node.setStaticData({});
		expect(await node.activate()).toEqual({ created: true });
		expect((await endpoints()).filter((e) => e.url === node.url).map((e) => e.id)).toEqual([node.staticData().endpointId]);
	});

	it('refuses to activate with a map of another entity, before registering anything', async () => {
		const node = await trigger({ journalMap: 'customer-groups-msdyn-customergroups' });
		await expect(node.activate()).rejects.toThrow(/Map customer-groups-msdyn-customergroups syncs CustomerGroups, but this trigger watches CustomersV3/);
		expect((await endpoints()).filter((e) => e.url === node.url)).toHaveLength(0);
	});
});

describe('F&O (Dual-Write) Trigger: deliveries in journal mode', () => {
	it('rejects callers without the secret with 401 and journals nothing', async () => {
		const node = await trigger();
		await node.activate();
		const event = { BusinessEventId: 'CustomerV3ChangedBusinessEvent', ControlNumber: 1, EntityName: 'CustomersV3', ChangeType: 'Update', dataAreaId: 'usmf', CustomerAccount: 'NO-AUTH-1' };
		expect((await node.post(event)).status).toBe(401);
		expect((await node.post(event, { [FO_EVENT_SECRET_HEADER]: 'not-the-secret' })).status).toBe(401);
		expect((await node.post(event, { [FO_EVENT_SECRET_HEADER]: '' })).status).toBe(401);
		expect(await journal('NO-AUTH-1')).toEqual([]);
		// Before activation there is no secret at all: everything is refused.
		await node.hook('delete');
		expect((await node.post(event, { [FO_EVENT_SECRET_HEADER]: '' })).status).toBe(401);
	});

	it('journals a real emulator delivery as exactly one pending change keyed by the natural key, with no execution', async () => {
		const node = await trigger();
		await node.activate();
		await fo.create('CustomersV3', { ...customer('FOT-1'), OrganizationName: 'Trigger one', CustomerGroupId: '10' });
		await fo.update('CustomersV3', customer('FOT-1'), { OrganizationName: 'Trigger one, renamed' });
		await delivered();
		expect(node.statuses).toEqual([200, 200]);
		expect(node.executions).toEqual([]);
		const entries = await journal('FOT-1');
		expect(entries.map((e) => ({ map: e.map, direction: e.direction, change: e.change, status: e.status, key: e.source.key, entity: e.source.entity }))).toEqual([
			{ map: MAP, direction: 'fo->dataverse', change: 'create', status: 'pending', key: customer('FOT-1'), entity: 'CustomersV3' },
			{ map: MAP, direction: 'fo->dataverse', change: 'update', status: 'pending', key: customer('FOT-1'), entity: 'CustomersV3' },
		]);
		expect(entries.every((e) => /^\d+$/.test(e.source.eventId ?? ''))).toBe(true);
		// The Dual-Write Trigger claims them for this map and direction.
		const claim = await store.claimBatch(MAP, 100, { leaseMs: 60_000, direction: 'fo->dataverse' });
		expect(claim.changes.map((c) => c.id)).toContain(entries[0].id);
		if (claim.lease) await store.release(claim.lease);
	});

	it('journals a change delivered twice (a second endpoint, the other format, a replay) once', async () => {
		const node = await trigger();
		await node.activate();
		// A second endpoint for the same URL and secret, as an administrator might add in F&O by mistake, in the other format.
		const secret = String(node.staticData().secret);
		await fetch(`${emulators.fo.url}/_emulator/events/endpoints`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ entity: 'CustomersV3', url: node.url, format: 'businessEvent', headers: { [FO_EVENT_SECRET_HEADER]: secret } }),
		});
		await fo.update('CustomersV3', customer('US-000002'), { OrganizationName: 'Delivered twice' });
		await delivered();
		expect(node.statuses).toEqual([200, 200]);
		const entries = await journal('US-000002');
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ change: 'update', source: { key: customer('US-000002') } });

		// F&O's "Resend" of a delivery: the same ControlNumber again.
		const replay = { BusinessEventId: 'CustomerV3ChangedBusinessEvent', BusinessEventLegalEntity: 'usmf', ControlNumber: Number(entries[0].source.eventId), EntityName: 'CustomersV3', ChangeType: 'Update', dataAreaId: 'usmf', CustomerAccount: 'US-000002' };
		expect((await node.post(replay, { [FO_EVENT_SECRET_HEADER]: secret })).status).toBe(200);
		expect(await journal('US-000002')).toHaveLength(1);
	});

	it('journals a delete as a delete with the deleted record’s key', async () => {
		const node = await trigger();
		await node.activate();
		await fo.create('CustomersV3', { ...customer('FOT-DEL'), OrganizationName: 'Short-lived', CustomerGroupId: '10' });
		await fo.delete('CustomersV3', customer('FOT-DEL'));
		await delivered();
		expect((await journal('FOT-DEL')).map((e) => [e.change, e.source.key])).toEqual([
			['create', customer('FOT-DEL')],
			['delete', customer('FOT-DEL')],
		]);
	});

	it('acknowledges events it does not watch without journaling them', async () => {
		const node = await trigger({ events: ['Delete'] });
		await node.activate();
		const secret = String(node.staticData().secret);
		const create = { BusinessEventId: 'CustomerV3ChangedBusinessEvent', ControlNumber: 99, EntityName: 'CustomersV3', ChangeType: 'Create', dataAreaId: 'usmf', CustomerAccount: 'FOT-NW' };
		expect((await node.post(create, { [FO_EVENT_SECRET_HEADER]: secret })).status).toBe(200);
		expect(await journal('FOT-NW')).toEqual([]);
	});

	it('answers a delivery it cannot parse with 400 naming what is wrong, never a value', async () => {
		const node = await trigger();
		await node.activate();
		const secret = String(node.staticData().secret);
		const unknown = await node.post({ Hello: 'private-value' }, { [FO_EVENT_SECRET_HEADER]: secret });
		expect(unknown.status).toBe(400);
		expect(JSON.parse(unknown.body)).toEqual({ message: 'The F&O event is neither a data event (no InputParameters) nor a business event (no BusinessEventId).' });
		const noKey = await node.post({ BusinessEventId: 'X', ControlNumber: 5, dataAreaId: 'usmf', Secret: 'private-value' }, { [FO_EVENT_SECRET_HEADER]: secret });
		expect(noKey.status).toBe(400);
		expect(noKey.body).toMatch(/lacks the key field CustomerAccount/);
		const noControlNumber = await node.post({ BusinessEventId: 'X', ControlNumber: 'private-value', dataAreaId: 'usmf', CustomerAccount: 'A' }, { [FO_EVENT_SECRET_HEADER]: secret });
		expect(noControlNumber.status).toBe(400);
		expect(noControlNumber.body).toMatch(/has no ControlNumber/);
		for (const answer of [unknown, noKey, noControlNumber]) expect(answer.body).not.toContain('private-value');
	});
});

describe('F&O (Dual-Write) Trigger feeding the Dual-Write Trigger’s loop', () => {
	it('a journaled event becomes one item of the next batch, with the record read fresh (a later edit included)', async () => {
		// A custom map (by ID) of its own, so that only this test's changes are in its journal.
		const definition = { ...(catalogMap(MAP) as MapDefinition), id: 'fo-trigger-loop' };
		const node = await trigger({ journalMap: 'custom', journalMapId: definition.id });
		await node.activate();
		await fo.update('CustomersV3', customer('US-000005'), { OrganizationName: 'Seen by the event' });
		await delivered();
		// Changed again after the event was journaled: the loop syncs what F&O holds now.
		node.setParameters(parameters({ journalMap: 'custom', journalMapId: definition.id, events: ['Create'] }));
		await fo.update('CustomersV3', customer('US-000005'), { OrganizationName: 'Changed since' });
		await delivered();
		expect((await journal('US-000005', definition.id)).map((e) => e.status)).toEqual(['pending']);

		const batches: EnvelopedItem[][] = [];
		const result = await runCycle({
			store,
			source: fo,
			compiled: compileMap(definition),
			direction: 'fo->dataverse',
			batchSize: 10,
			leaseMs: 60_000,
			emit: async (items) => {
				batches.push(items);
				return { ok: true };
			},
		});
		expect(result).toMatchObject({ captured: 0, emitted: 1 });
		const [item] = batches[0];
		expect(item).toMatchObject({ CustomerAccount: 'US-000005', OrganizationName: 'Changed since' });
		expect(item[ENVELOPE_FIELD]).toMatchObject({ map: definition.id, direction: 'fo->dataverse', change: 'update', source: { system: 'fo', entity: 'CustomersV3', key: customer('US-000005') } });
	});
});

describe('F&O (Dual-Write) Trigger: other modes', () => {
	it('"Start an Execution per Event" starts one execution per delivery with the record’s fields and the change under "fo"', async () => {
		const node = await trigger({ mode: 'execution', events: ['Update'] });
		await node.activate();
		await fo.update('CustomersV3', customer('US-000003'), { OrganizationName: 'Executed' });
		await fo.create('CustomersV3', { ...customer('FOT-EXE'), OrganizationName: 'Not watched', CustomerGroupId: '10' });
		await delivered();
		expect(node.executions).toHaveLength(1);
		const [item] = node.executions[0];
		expect(item.json).toMatchObject({
			dataAreaId: 'usmf',
			CustomerAccount: 'US-000003',
			OrganizationName: 'Executed',
			fo: { system: 'fo', entity: 'CustomersV3', change: 'update', key: customer('US-000003'), kind: 'data-event', legalEntity: 'usmf', eventId: expect.stringMatching(/^\d+$/) },
		});
		expect(await journal('US-000003')).toEqual([]);
	});

	it('catalog registration (real F&O) registers nothing and accepts deliveries carrying the entered secret', async () => {
		const secret = 'an administrator typed this secret';
		const node = await trigger({ registration: 'catalog', secret });
		expect(await node.activate()).toEqual({ created: true });
		expect(node.staticData().endpointId).toBeUndefined();
		expect((await endpoints()).filter((e) => e.url === node.url)).toHaveLength(0);
		expect(await node.activate('init')).toEqual({ created: false });

		// What the administrator sets up in the business events catalog, here through the emulator's admin API.
		await fetch(`${emulators.fo.url}/_emulator/events/endpoints`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ entity: 'CustomersV3', url: node.url, format: 'businessEvent', headers: { [FO_EVENT_SECRET_HEADER]: secret } }),
		});
		await fo.update('CustomersV3', customer('US-000004'), { OrganizationName: 'Via the catalog' });
		await delivered();
		expect((await journal('US-000004')).map((e) => e.change)).toEqual(['update']);

		// A changed secret takes effect at the next activation; the old one is refused from then on.
		node.setParameters(parameters({ registration: 'catalog', secret: 'a different, longer secret' }));
		expect(await node.activate('update')).toEqual({ created: true });
		expect((await node.post({ BusinessEventId: 'X', ControlNumber: 7, dataAreaId: 'usmf', CustomerAccount: 'A' }, { [FO_EVENT_SECRET_HEADER]: secret })).status).toBe(401);

		node.setParameters(parameters({ registration: 'catalog', secret: 'short' }));
		await expect(node.activate('update')).rejects.toThrow(/at least 16 characters/);
	});
});
