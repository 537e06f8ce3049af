/**
 * The Dataverse (Dual-Write) Trigger hosted as n8n hosts a webhook node (test/support/run-webhook.ts), against the
 * Dataverse emulator's real webhook registration and asynchronous deliveries: journal mode appends to the state
 * store (DUAL_WRITE_STATE_FILE, a temp file); the default mode still starts executions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const stateDir = mkdtempSync(path.join(tmpdir(), 'dw-dv-trigger-'));
process.env.DUAL_WRITE_STATE_FILE = path.join(stateDir, 'state.sqlite');

import type { INodeParameters } from 'n8n-workflow';
import { startEmulators, type RunningEmulators } from '../../../emulators';
import { INTEGRATION_APP } from '../../../emulators/common/directory';
import { createConnector, WEBHOOK_SECRET_HEADER, type Connector } from '../../../lib/connectors';
import type { JournalEntry, StateStore } from '../../../lib/state';
import { DUAL_WRITE_ORIGIN_TAG } from '../../../lib/sync';
import { DataverseDualWriteTrigger } from '../../../nodes/DataverseDualWriteTrigger/DataverseDualWriteTrigger.node';
import { sharedStateStore } from '../../../nodes/shared/state';
import { createAxiosTransport } from '../../support/axios-transport';
import { authenticated, bearerTokens } from '../../support/emulators';
import { createCredentialsHelper } from '../../support/run-node';
import { startWebhookNode, type WebhookNode } from '../../support/run-webhook';

const TYPE = 'n8n-nodes-dual-write.dataverseDualWriteTrigger';
const MAP = 'customers-v3-accounts';

let emulators: RunningEmulators;
let credentialsHelper: ReturnType<typeof createCredentialsHelper>;
let dataverse: Connector;
let store: StateStore;
const axios = createAxiosTransport();
const nodes: WebhookNode[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 4 } });
	credentialsHelper = createCredentialsHelper({
		dualWriteDataverseOAuth2Api: {
			grantType: 'clientCredentials',
			environmentUrl: emulators.dataverse.url,
			tenantId: emulators.tenantId,
			cloud: 'custom',
			customTokenUrl: emulators.token.tokenUrl,
			accessTokenUrl: emulators.token.tokenUrl,
			scope: `${emulators.dataverse.url}/.default`,
			clientId: emulators.integrationApp.clientId,
			clientSecret: emulators.integrationApp.clientSecret,
			authentication: 'body',
		},
	});
	dataverse = createConnector('dataverse', {
		environmentUrl: emulators.dataverse.url,
		transport: authenticated(axios, bearerTokens(emulators.token.url, INTEGRATION_APP, emulators.dataverse.url)),
	});
	store = await sharedStateStore();
});
afterEach(async () => {
	for (const node of nodes.splice(0)) {
		await node.hook('delete').catch(() => undefined);
		await node.close();
	}
});
afterAll(async () => {
	axios.close();
	await emulators.close();
	await store.close();
	rmSync(stateDir, { recursive: true, force: true });
});

function parameters(overrides: INodeParameters = {}): INodeParameters {
	return {
		entity: { __rl: true, mode: 'name', value: 'accounts' },
		events: ['Create', 'Update', 'Delete'],
		filteringAttributes: '',
		ignoreOwnWrites: true,
		mode: 'journal',
		journalMap: MAP,
		...overrides,
	};
}

async function trigger(overrides: INodeParameters = {}): Promise<WebhookNode> {
	const node = await startWebhookNode({ nodeType: new DataverseDualWriteTrigger(), type: TYPE, parameters: parameters(overrides), credentialsHelper });
	nodes.push(node);
	return node;
}

async function journal(id: string): Promise<JournalEntry[]> {
	return (await store.list({ map: MAP, order: 'asc', limit: 1000 })).items.filter((entry) => entry.source.key.accountid === id);
}

async function createAccount(name: string): Promise<string> {
	const result = await dataverse.create('accounts', { name });
	return String(result.key.accountid);
}

describe('Dataverse (Dual-Write) Trigger in journal mode', () => {
	it('journals each change keyed by the primary id (Dataverse → F&O), with no execution; our tagged writes are recorded as skipped', async () => {
		const node = await trigger();
		await node.activate();
		const id = await createAccount('Journal one');
		await dataverse.update('accounts', { accountid: id }, { name: 'Journal one, edited by a person' });
		await dataverse.update('accounts', { accountid: id }, { name: 'Journal one, written by us' }, { tag: DUAL_WRITE_ORIGIN_TAG });
		await dataverse.delete('accounts', { accountid: id });
		await emulators.dataverse.emulator.drain();

		expect(node.statuses).toEqual([200, 200, 200, 200]);
		expect(node.executions).toEqual([]);
		const entries = await journal(id);
		// One asynchronous step per message, each its own delivery queue: the order across messages is not fixed.
		const order = (e: JournalEntry) => `${e.change}:${e.status}`;
		entries.sort((x, y) => order(x).localeCompare(order(y)));
		expect(entries.map((e) => ({ direction: e.direction, change: e.change, status: e.status, decision: e.decision, key: e.source.key, entity: e.source.entity }))).toEqual([
			{ direction: 'dataverse->fo', change: 'create', status: 'pending', decision: undefined, key: { accountid: id }, entity: 'accounts' },
			{ direction: 'dataverse->fo', change: 'delete', status: 'pending', decision: undefined, key: { accountid: id }, entity: 'accounts' },
			{ direction: 'dataverse->fo', change: 'update', status: 'pending', decision: undefined, key: { accountid: id }, entity: 'accounts' },
			{ direction: 'dataverse->fo', change: 'update', status: 'skipped', decision: 'echo', key: { accountid: id }, entity: 'accounts' },
		]);
		expect(new Set(entries.map((e) => e.source.eventId)).size).toBe(4);
	});

	it('journals a delivery Dataverse sends again (same event id) once, and refuses callers without the secret', async () => {
		const node = await trigger();
		await node.activate();
		const id = await createAccount('Delivered twice');
		await emulators.dataverse.emulator.drain();
		expect(await journal(id)).toHaveLength(1);

		const [sent] = node.requests;
		const headers = Object.fromEntries(Object.entries(sent.headers).filter(([name]) => name.startsWith('x-')));
		expect((await node.post(sent.body, headers)).status).toBe(200);
		expect(await journal(id)).toHaveLength(1);

		const { [WEBHOOK_SECRET_HEADER]: secret, ...withoutSecret } = headers;
		expect(secret).toBe(node.staticData().secret);
		expect((await node.post(sent.body, withoutSecret)).status).toBe(401);
		expect((await node.post(sent.body, { ...withoutSecret, [WEBHOOK_SECRET_HEADER]: 'guess' })).status).toBe(401);
		const broken = await node.post({ MessageName: 'Update' }, headers);
		expect(broken.status).toBe(400);
		expect(broken.body).toMatch(/PrimaryEntityName|Target|PrimaryEntityId/);
		expect(await journal(id)).toHaveLength(1);
	});

	it('registers its Update step filtered on the columns the map reads when Filtering Attributes is empty, and on the user’s columns otherwise', async () => {
		const stepFilters = async (endpointId: string) => {
			const steps = (await dataverse.readPages('sdkmessageprocessingsteps', { filter: `_eventhandler_value eq ${endpointId}`, select: ['filteringattributes', 'name'] }).next()).value ?? [];
			return steps.map((step) => step.filteringattributes).filter((value) => typeof value === 'string' && value !== '');
		};
		const derived = await trigger();
		await derived.activate();
		const [fromMap] = await stepFilters(String(derived.staticData().endpointId));
		const columns = String(fromMap).split(',');
		// customers V3 -> accounts reads these; the primary id and Dataverse's own columns are not among them.
		expect(columns).toEqual(expect.arrayContaining(['name', 'creditlimit', 'description', 'accountnumber', 'msdyn_customergroupid', 'msdyn_company']));
		expect(columns).not.toContain('accountid');
		expect(columns).not.toContain('modifiedon');
		await derived.hook('delete');

		const chosen = await trigger({ filteringAttributes: 'name, creditlimit' });
		await chosen.activate();
		expect(await stepFilters(String(chosen.staticData().endpointId))).toEqual(['name,creditlimit']);
	});

	it('refuses to activate with a map of another table, before registering anything', async () => {
		const node = await trigger({ journalMap: 'customer-groups-msdyn-customergroups' });
		await expect(node.activate()).rejects.toThrow(/syncs msdyn_customergroups, but this trigger watches accounts/);
		expect(node.staticData()).toEqual({});
	});
});

describe('Dataverse (Dual-Write) Trigger default mode', () => {
	it('without a mode (workflows saved before it existed) still starts one execution per change and journals nothing', async () => {
		const old = parameters();
		delete old.mode;
		delete old.journalMap;
		const node = await trigger();
		node.setParameters(old);
		await node.activate();
		const id = await createAccount('Executed');
		await emulators.dataverse.emulator.drain();
		expect(node.executions).toHaveLength(1);
		expect(node.executions[0][0].json).toMatchObject({ accountid: id, name: 'Executed', dataverse: { change: 'create', key: { accountid: id } } });
		expect(await journal(id)).toEqual([]);
	});
});
