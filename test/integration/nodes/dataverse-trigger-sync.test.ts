/**
 * The Dataverse (Dual-Write) Trigger with "Synchronous" on, hosted as n8n hosts a webhook node
 * (test/support/run-webhook.ts; the harness answers at once, the real n8n's "answer when the last node finished" is
 * covered by test/e2e/dataverse-sync-step.test.ts): the registration is synchronous with post-images, toggling the
 * option re-registers, the item of an update is the whole row with its lookups resolved (so the customers V3 map
 * maps it), and our own tagged writes start nothing.
 */
import type { INodeParameters } from 'n8n-workflow';
import { startEmulators, type RunningEmulators } from '../../../emulators';
import { USER_APP } from '../../../emulators/common/directory';
import type { Connector, DataRecord } from '../../../lib/connectors';
import { apply, catalogMap, compileMap } from '../../../lib/maps';
import { DUAL_WRITE_ORIGIN_TAG } from '../../../lib/sync';
import { DataverseDualWriteTrigger } from '../../../nodes/DataverseDualWriteTrigger/DataverseDualWriteTrigger.node';
import { emulatorConnectors, type EmulatorConnectors } from '../../../scripts/initialCopy';
import { createCredentialsHelper } from '../../support/run-node';
import { startWebhookNode, type WebhookNode } from '../../support/run-webhook';

const TYPE = 'n8n-nodes-dual-write.dataverseDualWriteTrigger';
const MAP = 'customers-v3-accounts';

let emulators: RunningEmulators;
let credentialsHelper: ReturnType<typeof createCredentialsHelper>;
let integration: EmulatorConnectors;
let people: EmulatorConnectors;
let dv: Connector;
const nodes: WebhookNode[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 3 }, dataverseProjection: ['customers'] });
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
	integration = emulatorConnectors(emulators);
	people = emulatorConnectors(emulators, USER_APP);
	dv = integration.dataverse;
}, 120_000);
afterEach(async () => {
	for (const node of nodes.splice(0)) {
		await node.hook('delete').catch(() => undefined);
		await node.close();
	}
});
afterAll(async () => {
	integration.close();
	people.close();
	await emulators.close();
});

function parameters(overrides: INodeParameters = {}): INodeParameters {
	return {
		entity: { __rl: true, mode: 'name', value: 'accounts' },
		events: ['Create', 'Update'],
		filteringAttributes: '',
		ignoreOwnWrites: true,
		mode: 'execution',
		synchronous: true,
		resolveLookupsForMap: MAP,
		...overrides,
	};
}

async function trigger(overrides: INodeParameters = {}): Promise<WebhookNode> {
	const node = await startWebhookNode({ nodeType: new DataverseDualWriteTrigger(), type: TYPE, parameters: parameters(overrides), credentialsHelper });
	nodes.push(node);
	return node;
}

async function steps(endpointId: string): Promise<DataRecord[]> {
	return (await dv.readPages('sdkmessageprocessingsteps', { filter: `_eventhandler_value eq ${endpointId}`, select: ['stage', 'mode', 'sdkmessageprocessingstepid'] }).next()).value ?? [];
}

async function images(): Promise<DataRecord[]> {
	return (await dv.readPages('sdkmessageprocessingstepimages', { select: ['sdkmessageprocessingstepimageid', '_sdkmessageprocessingstepid_value'] }).next()).value ?? [];
}

async function someAccount(): Promise<DataRecord> {
	const page = (await dv.readPages('accounts', { filter: "customertypecode eq 3 and startswith(accountnumber,'US-')", select: ['accountid', 'accountnumber'], limit: 1 }).next()).value;
	if (!page?.[0]) throw new Error('no seeded organisation account');
	return page[0];
}

describe('Dataverse (Dual-Write) Trigger, Synchronous', () => {
	it('registers synchronous post-operation steps with post-images; turning the option off re-registers asynchronous ones and drops the images', async () => {
		const node = await trigger();
		expect(await node.activate()).toEqual({ created: true });
		const data = node.staticData() as { endpointId: string; imageIds: string[] };
		expect((await steps(data.endpointId)).map((step) => [step.stage, step.mode])).toEqual([
			[40, 0],
			[40, 0],
		]);
		expect(data.imageIds).toHaveLength(2);
		expect((await images()).map((image) => image.sdkmessageprocessingstepimageid).sort()).toEqual([...data.imageIds].sort());
		// The same settings again: kept (n8n runs checkExists on every start).
		expect(await node.activate()).toEqual({ created: false });

		node.setParameters(parameters({ synchronous: false }));
		expect(await node.activate()).toEqual({ created: true });
		const after = node.staticData() as { endpointId: string; imageIds?: string[] };
		expect(after.endpointId).not.toBe(data.endpointId);
		expect((await steps(after.endpointId)).map((step) => step.mode)).toEqual([1, 1]);
		expect(after.imageIds).toBeUndefined();
		expect(await images()).toEqual([]);
		expect(await steps(data.endpointId)).toEqual([]);
	});

	it('a person’s one-column update starts an execution with the whole row and its lookups as the map reads them; the map maps it', async () => {
		const node = await trigger();
		await node.activate();
		const account = await someAccount();
		await people.dataverse.update('accounts', { accountid: String(account.accountid) }, { telephone1: '555-0199' });
		expect(node.statuses).toEqual([200]);
		expect(node.executions).toHaveLength(1);
		const item = node.executions[0][0].json as Record<string, unknown>;
		expect(item).toMatchObject({
			accountid: account.accountid,
			accountnumber: account.accountnumber,
			telephone1: '555-0199',
			msdyn_company: { logicalName: 'cdm_company', cdm_companycode: 'usmf' },
			msdyn_customergroupid: { logicalName: 'msdyn_customergroup', msdyn_groupid: expect.any(String) },
			dataverse: { change: 'update', entity: 'accounts', key: { accountid: account.accountid } },
		});
		// Only what the map reads: no alternate-key column the map does not need.
		expect(Object.keys(item.msdyn_customergroupid as object).sort()).toEqual(['id', 'logicalName', 'msdyn_groupid']);
		const result = apply(compileMap(catalogMap(MAP) ?? (() => { throw new Error(MAP); })()), 'dataverse->fo', item);
		expect(result).toMatchObject({ kind: 'mapped', target: { key: { dataAreaId: 'usmf', CustomerAccount: account.accountnumber }, record: { PrimaryContactPhone: '555-0199' } } });
	});

	it('"Alternate Keys" resolves every lookup by its table’s alternate-key columns; "Do Not Resolve" keeps the references', async () => {
		const account = await someAccount();
		const byKeys = await trigger({ resolveLookupsForMap: 'alternateKeys' });
		await byKeys.activate();
		await people.dataverse.update('accounts', { accountid: String(account.accountid) }, { telephone1: '555-0100' });
		expect(byKeys.executions[0][0].json.msdyn_customergroupid).toMatchObject({ msdyn_groupid: expect.any(String), _msdyn_company_value: expect.any(String) });
		await byKeys.hook('delete');

		const none = await trigger({ resolveLookupsForMap: 'none' });
		await none.activate();
		await people.dataverse.update('accounts', { accountid: String(account.accountid) }, { telephone1: '555-0101' });
		expect(Object.keys(none.executions[0][0].json.msdyn_customergroupid as object).sort()).toEqual(['id', 'logicalName']);
	});

	it('our own tagged write is acknowledged without an execution', async () => {
		const node = await trigger();
		await node.activate();
		const account = await someAccount();
		await integration.dataverse.update('accounts', { accountid: String(account.accountid) }, { telephone1: '555-0102' }, { tag: DUAL_WRITE_ORIGIN_TAG });
		expect(node.statuses).toEqual([200]);
		expect(node.executions).toEqual([]);
	});

	it('in journal mode the option is ignored: the steps stay asynchronous', async () => {
		const node = await trigger({ mode: 'journal', journalMap: MAP });
		await node.activate();
		const data = node.staticData() as { endpointId: string };
		expect((await steps(data.endpointId)).map((step) => step.mode)).toEqual([1, 1]);
	});
});
