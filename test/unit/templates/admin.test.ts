/**
 * templates/admin/: the data admin's workflows are wired as described, import without credentials (but the mail
 * server's, left to the user), and every parameter they give our nodes is one the node declares, with option values
 * it offers, so that the editor opens them as saved.
 */
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { DualWrite } from '../../../nodes/DualWrite/DualWrite.node';
import { DualWriteAlertTrigger } from '../../../nodes/DualWriteAlertTrigger/DualWriteAlertTrigger.node';
import { ADMIN_EXAMPLE_MAP, buildAdminTemplates, HEALING_CLASSES, type TemplateWorkflow } from '../../../scripts/generate-templates';
import { CORE_MAPS, catalogMap } from '../../../lib/maps';

interface TemplateNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, unknown>;
}

const OURS: Record<string, INodeType> = {
	'n8n-nodes-dual-write.dualWrite': new DualWrite(),
	'n8n-nodes-dual-write.dualWriteAlertTrigger': new DualWriteAlertTrigger(),
};
const N8N_NODES = ['n8n-nodes-base.stickyNote', 'n8n-nodes-base.manualTrigger', 'n8n-nodes-base.set', 'n8n-nodes-base.switch', 'n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.emailSend'];

const templates = buildAdminTemplates();
const nodesOf = (workflow: TemplateWorkflow) => workflow.nodes as unknown as TemplateNode[];
const byName = (workflow: TemplateWorkflow, name: string) => nodesOf(workflow).find((node) => node.name === name) as TemplateNode;
const targets = (workflow: TemplateWorkflow, from: string) =>
	((workflow.connections[from] as { main: Array<Array<{ node: string }>> } | undefined)?.main ?? []).map((output) => output.map((c) => c.node));

/** The properties shown for these parameter values (n8n's displayOptions.show, one level deep). */
function shown(properties: INodeProperties[], parameters: Record<string, unknown>): INodeProperties[] {
	return properties.filter((property) =>
		Object.entries(property.displayOptions?.show ?? {}).every(([name, values]) => (values as unknown[]).includes(parameters[name] ?? properties.find((p) => p.name === name)?.default)),
	);
}

/** Every parameter is declared for the node's resource and operation; fixed option values are among the options. */
function checkParameters(node: TemplateNode): void {
	const properties = shown(OURS[node.type].description.properties, node.parameters);
	for (const [name, value] of Object.entries(node.parameters)) {
		const property = properties.find((p) => p.name === name);
		if (!property) throw new Error(`${node.name}: parameter ${name} is not shown for ${JSON.stringify(node.parameters)}`);
		const isExpression = typeof value === 'string' && value.startsWith('=');
		if (property.type === 'options' && !isExpression && property.options) {
			expect((property.options as Array<{ value: unknown }>).map((o) => o.value)).toContain(value);
		}
		if (property.type === 'collection' && value && typeof value === 'object') {
			for (const [option, optionValue] of Object.entries(value)) {
				const declared = (property.options as INodeProperties[]).find((o) => o.name === option);
				if (!declared) throw new Error(`${node.name}: ${name}.${option} is not an option`);
				if (declared.type === 'multiOptions' && Array.isArray(optionValue) && declared.options) {
					for (const item of optionValue) expect((declared.options as Array<{ value: unknown }>).map((o) => o.value)).toContain(item);
				}
			}
		}
	}
}

describe('templates/admin/', () => {
	it('has the four admin workflows, importable without credentials but the initial sync’s two, with our nodes’ parameters as the nodes declare them', () => {
		expect([...templates.keys()].sort()).toEqual([
			'admin/alert-on-errors-email.json',
			'admin/initial-sync-core-maps.json',
			'admin/pause-resume-status.json',
			'admin/retry-failed-every-5-minutes.json',
		]);
		for (const [file, workflow] of templates) {
			expect(workflow.active).toBe(false);
			for (const node of nodesOf(workflow)) {
				// Only the initial sync talks to F&O and Dataverse: it names the demo's credentials, the user picks theirs.
				if (file === 'admin/initial-sync-core-maps.json' && node.type === 'n8n-nodes-dual-write.dualWrite') {
					expect(Object.keys(node.credentials ?? {}).sort()).toEqual(['dualWriteDataverseOAuth2Api', 'dualWriteFoOAuth2Api']);
				} else expect(node.credentials).toBeUndefined();
				expect([...Object.keys(OURS), ...N8N_NODES]).toContain(node.type);
				if (OURS[node.type]) checkParameters(node);
			}
			// Every connection names an existing node.
			const names = new Set(nodesOf(workflow).map((node) => node.name));
			for (const [from, outputs] of Object.entries(workflow.connections)) {
				expect(names).toContain(from);
				for (const output of (outputs as { main: Array<Array<{ node: string }>> }).main) for (const c of output) expect(names).toContain(c.node);
			}
		}
		expect(catalogMap(ADMIN_EXAMPLE_MAP)).toBeDefined();
	});

	it('pause / resume / status: Manual Trigger -> the choice -> Switch with one output per Dual-Write operation', () => {
		const workflow = templates.get('admin/pause-resume-status.json') as TemplateWorkflow;
		expect(targets(workflow, 'Run Manually')).toEqual([['What To Do']]);
		expect(targets(workflow, 'What To Do')).toEqual([['Action']]);
		const outputs = targets(workflow, 'Action').map(([name]) => name);
		expect(byName(workflow, 'Action').parameters.numberOutputs).toBe(outputs.length);
		expect(outputs.map((name) => [byName(workflow, name).parameters.resource, byName(workflow, name).parameters.operation])).toEqual([
			['map', 'getStatus'],
			['map', 'pause'],
			['map', 'resume'],
			['errorLog', 'list'],
			['activity', 'list'],
		]);
		expect(byName(workflow, 'Pause Map').parameters).toMatchObject({ map: '={{ $json.map }}', reason: '={{ $json.reason }}' });
	});

	it('scheduled retry: every 5 minutes, failed changes of the classes that can heal', () => {
		const workflow = templates.get('admin/retry-failed-every-5-minutes.json') as TemplateWorkflow;
		expect(byName(workflow, 'Every 5 Minutes').parameters).toEqual({ rule: { interval: [{ field: 'minutes', minutesInterval: 5 }] } });
		expect(targets(workflow, 'Every 5 Minutes')).toEqual([['Retry Failed Changes']]);
		expect(byName(workflow, 'Retry Failed Changes').parameters).toMatchObject({
			resource: 'errorLog',
			operation: 'retry',
			select: 'filter',
			filters: { status: ['failed'], errorClass: [...HEALING_CLASSES] },
		});
		expect(HEALING_CLASSES).not.toContain('validation');
	});

	it('initial sync (core maps): a dry run of the core maps, then one resumable run of them (once, not per dry-run item)', () => {
		const workflow = templates.get('admin/initial-sync-core-maps.json') as TemplateWorkflow;
		expect(targets(workflow, 'Run Manually')).toEqual([['Dry Run']]);
		expect(targets(workflow, 'Dry Run')).toEqual([['Initial Sync']]);
		expect(byName(workflow, 'Dry Run').parameters).toMatchObject({ resource: 'initialSync', operation: 'run', dryRun: true, maps: [...CORE_MAPS] });
		const run = byName(workflow, 'Initial Sync') as TemplateNode & { executeOnce?: boolean };
		expect(run.parameters).toMatchObject({ resource: 'initialSync', operation: 'run', dryRun: false, masterSide: 'fo', runName: 'core-maps', maps: [...CORE_MAPS] });
		expect(run.executeOnce).toBe(true);
		for (const id of CORE_MAPS) expect(catalogMap(id)).toBeDefined();
	});

	it('alert → email: the Alert Trigger feeds Send Email with a placeholder address; a manual branch sets the documented example rule', () => {
		const workflow = templates.get('admin/alert-on-errors-email.json') as TemplateWorkflow;
		expect(targets(workflow, 'When a Rule Trips')).toEqual([['Email the Data Admins']]);
		const email = byName(workflow, 'Email the Data Admins');
		expect(email.parameters).toMatchObject({ toEmail: 'data-admins@example.com', emailFormat: 'text' });
		expect(String(email.parameters.text)).toMatch(/^=\{\{ \$json\.summary \}\}/);
		expect(targets(workflow, 'Set the Rule')).toEqual([['10 Failures in 15 Minutes']]);
		expect(byName(workflow, '10 Failures in 15 Minutes').parameters).toMatchObject({ resource: 'alertRule', operation: 'set', threshold: 10, windowMinutes: 15, pause: true, notify: true });
	});
});
