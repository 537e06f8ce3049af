import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { USER_APP } from '../../emulators/common/directory';
import { startEmulators, type RunningEmulators } from '../../emulators';
import type { DataRecord } from '../../lib/connectors';
import { emulatorCredentials } from '../../scripts/emulatorCredentials';
import { listTemplates, stableUuid, templateFile, TEMPLATES_DIR } from '../../scripts/generate-templates';
import { failureSamples } from '../../lib/sync';
import { emulatorConnectors, initialCopy, type EmulatorConnectors } from '../../scripts/initialCopy';
import { startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n/instance';
import { webhookNode } from '../support/n8n/nodes';
import { eventually as eventuallyWithin } from '../support/eventually';

/**
 * The data admin's side in a real n8n: the admin templates import; an alert rule set through the Dual-Write node
 * (behind a webhook) pauses customers V3 -> accounts after N failures while Dataverse is down, and the Alert Trigger
 * workflow (the alert template, its mail node swapped for a No-Op so that it needs no mail server) runs once for the
 * trip; resumed, the map catches up and the edits made during the outage arrive.
 */
const MAP = 'customers-v3-accounts';
/** The console's answers move with the trigger's 2 s turns: a minute is plenty, a failure says what was awaited. */
const eventually = <T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean) => eventuallyWithin(what, read, accept, 60_000, 500);
const template = (file: string) => JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')) as WorkflowJson;

/** Webhook -> one Dual-Write operation; n8n answers with the node's first item. */
function adminEndpoint(slug: string, parameters: Record<string, unknown>): WorkflowJson {
	return {
		id: `dwE2eAdmin${slug.replace(/[^A-Za-z0-9]/g, '').slice(0, 6).padEnd(6, '0')}`,
		name: `e2e admin: ${slug}`,
		nodes: [
			webhookNode(stableUuid('e2e', 'admin', slug, 'webhook'), `dw-admin-${slug}`, 'lastNode'),
			{ id: stableUuid('e2e', 'admin', slug, 'node'), name: 'Dual-Write', type: 'n8n-nodes-dual-write.dualWrite', typeVersion: 1, position: [240, 0], parameters },
		],
		connections: { Webhook: { main: [[{ node: 'Dual-Write', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** The alert template, evaluating every 2 s, its Send Email node replaced by a No-Op that keeps the item. */
function alertWorkflow(): WorkflowJson {
	const workflow = template('admin/alert-on-errors-email.json');
	const nodes = (workflow.nodes as Array<Record<string, unknown>>).map((node) => {
		if (node.type === 'n8n-nodes-dual-write.dualWriteAlertTrigger') return { ...node, parameters: { options: { intervalSeconds: 2 } } };
		if (node.type === 'n8n-nodes-base.emailSend') return { id: node.id, name: node.name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: node.position, parameters: {} };
		return node;
	});
	return { ...workflow, id: 'dwE2eAlertNoMail', name: 'e2e: alert on errors (no mail)', nodes };
}


describe('real n8n: the admin console and alerts', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	let people: EmulatorConnectors;
	let keys: Array<{ dataAreaId: string; CustomerAccount: string }>;
	const live = template(templateFile(MAP, 'fo->dataverse', 'live'));
	const alert = alertWorkflow();
	const endpoints = {
		rule: adminEndpoint('rule', { resource: 'alertRule', operation: 'set', map: MAP, errorClass: 'any', threshold: 3, windowMinutes: 15, pause: true, notify: true, name: 'e2e' }),
		status: adminEndpoint('status', { resource: 'map', operation: 'getStatus', map: MAP }),
		resume: adminEndpoint('resume', { resource: 'map', operation: 'resume', map: MAP, reason: '={{ $json.body.reason }}' }),
		pause: adminEndpoint('pause', { resource: 'map', operation: 'pause', map: MAP, reason: '={{ $json.body.reason }}' }),
	};
	// Imported, not activated: they must load as saved (the mail node has no credential yet).
	const admin = listTemplates().filter((file) => file.startsWith('admin/')).map(template);

	const call = async (slug: keyof typeof endpoints, body: Record<string, unknown> = {}) => {
		const response = await fetch(`${n8n.url}/webhook/dw-admin-${slug}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		const text = await response.text();
		if (!response.ok) throw new Error(`admin ${slug} -> ${response.status} ${text}`);
		return JSON.parse(text) as Record<string, unknown>;
	};
	/** The Dataverse emulator's fault knob: an outage until a time, or (no body) back to normal. */
	const faults = async (body?: Record<string, unknown>) => {
		const response = await fetch(`${emulators.dataverse.url}/_emulator/faults${body ? '' : '/reset'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
		if (!response.ok) throw new Error(`faults -> ${response.status} ${await response.text()}`);
	};
	const description = async (key: { dataAreaId: string; CustomerAccount: string }) =>
		(await people.dataverse.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId }))?.description;

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 5 } });
		people = emulatorConnectors(emulators, USER_APP);
		const userFolder = mkdtempSync(path.join(tmpdir(), 'dw-admin-n8n-'));
		const reports = await initialCopy(emulators, userFolder);
		expect([...reports.values()].flatMap(failureSamples)).toEqual([]);
		const organisations: DataRecord[] = [];
		for await (const page of people.fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'] })) organisations.push(...page);
		keys = organisations.slice(0, 3).map((r) => ({ dataAreaId: 'usmf', CustomerAccount: String(r.CustomerAccount) }));
		const active = [live, alert, ...Object.values(endpoints)];
		n8n = await startN8n({ userFolder, credentials: emulatorCredentials(emulators), workflows: [...active, ...admin], publish: active.map((w) => w.id) });
		for (const slug of Object.keys(endpoints)) await n8n.waitForWebhook(`dw-admin-${slug}`);
	}, 600_000);

	afterAll(async () => {
		await n8n?.dispose();
		people?.close();
		await emulators?.close();
	}, 60_000);

	it('the admin templates are imported as saved', async () => {
		const stored = (await n8n.api('GET', '/workflows?limit=250')) as { data: Array<{ id: string; nodes: Array<{ type: string }> }> };
		for (const workflow of admin) {
			const found = stored.data.find((w) => w.id === workflow.id);
			expect(found?.nodes.map((node) => node.type)).toEqual((workflow.nodes as Array<{ type: string }>).map((node) => node.type));
		}
	});

	it('a rule pauses the map after N failures, the Alert Trigger workflow runs once for the trip, and resume catches up', async () => {
		expect(await call('rule')).toMatchObject({ map: MAP, name: 'e2e', errorClass: 'any', threshold: 3, pause: true, notify: true });
		await faults({ outageUntil: Date.now() + 600_000 });
		try {
			for (const key of keys) await people.fo.update('CustomersV3', key, { SalesMemo: `during the outage ${key.CustomerAccount}` });
			const paused = await eventually('the map is paused by the rule', () => call('status'), (status) => status.state === 'paused');
			expect(paused).toMatchObject({ detail: 'paused by alert rule "e2e"', lastError: { class: expect.any(String) } });
			const executions = await n8n.waitForExecutions(alert.id, (list) => list.length >= 1, 30_000);
			expect(executions).toHaveLength(1);
			const run = JSON.stringify(executions[0].data);
			expect(run).toContain(`"map":"${MAP}"`);
			expect(run).toContain('"paused":true');
			expect(run).toContain('"rule":"e2e"');
			// Paused, the map fails no more: no second trip, no second execution.
			await new Promise((resolve) => setTimeout(resolve, 6_000));
			expect(await n8n.executions(alert.id)).toHaveLength(1);
		} finally {
			await faults();
		}
		// Dataverse is back, the map stays paused: nothing is written until someone resumes it.
		await new Promise((resolve) => setTimeout(resolve, 4_000));
		for (const key of keys) expect(String(await description(key))).not.toContain('during the outage');
		expect(await call('status')).toMatchObject({ state: 'paused', backlog: { failed: 0 } });
		expect(await call('resume', { reason: 'Dataverse is back' })).toMatchObject({ changed: true, previousState: 'paused', state: 'catching-up' });
		for (const key of keys) await eventually(`the outage edit of ${key.CustomerAccount} arrives`, () => description(key), (value) => value === `during the outage ${key.CustomerAccount}`);
		await eventually('the map runs live again', () => call('status'), (status) => status.state === 'running');
	}, 300_000);

	it('a paused map keeps capturing creates and updates, writes nothing, and catches up in order after resume', async () => {
		expect(await call('pause', { reason: 'e2e: maintenance window' })).toMatchObject({ changed: true, state: 'paused' });
		const created = { dataAreaId: 'usmf', CustomerAccount: 'PAUSED-001' };
		await people.fo.create('CustomersV3', {
			...created,
			OrganizationName: 'Created while paused',
			PartyType: 'Organization',
			CustomerGroupId: '10',
			SalesCurrencyCode: 'USD',
			SalesMemo: 'first',
		});
		const [existing] = keys;
		for (const step of ['one', 'two', 'three']) {
			await people.fo.update('CustomersV3', existing, { SalesMemo: `paused edit ${step}` });
			// Apart in time, so that each edit is its own capture (the watermark reads the newest only).
			await new Promise((resolve) => setTimeout(resolve, 2_500));
		}
		await people.fo.update('CustomersV3', created, { SalesMemo: 'second' });
		const backlog = await eventually(
			'the changes are captured while paused',
			() => call('status'),
			(status) => Number((status.backlog as Record<string, number> | undefined)?.pending ?? 0) >= 2,
		);
		expect(backlog).toMatchObject({ state: 'paused' });
		expect(await people.dataverse.get('accounts', { accountnumber: created.CustomerAccount, 'msdyn_company.cdm_companycode': 'usmf' })).toBeUndefined();
		expect(String(await description(existing))).not.toContain('paused edit');

		expect(await call('resume', { reason: 'e2e: window over' })).toMatchObject({ changed: true, previousState: 'paused', state: 'catching-up' });
		await eventually('the record created while paused arrives with its last values', () => description(created), (value) => value === 'second');
		await eventually('the last of the paused edits wins', () => description(existing), (value) => value === 'paused edit three');
		const accounts: DataRecord[] = [];
		for await (const page of people.dataverse.readPages('accounts', { filter: `accountnumber eq '${created.CustomerAccount}'`, select: ['accountid', 'name'] })) accounts.push(...page);
		expect(accounts.map((row) => row.name)).toEqual(['Created while paused']);
		await eventually('the map runs live again', () => call('status'), (status) => status.state === 'running');
	}, 180_000);
});
