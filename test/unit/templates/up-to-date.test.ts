/**
 * templates/ is generated from maps/ and committed: a regeneration in memory must match it file for file, so a map
 * change never ships with stale workflows.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildAdminTemplates, buildTemplate, generateTemplates, listTemplates, stableUuid, TEMPLATE_KINDS, TEMPLATES_DIR, workflowId } from '../../../scripts/generate-templates';
import { loadCatalog, mapDirections } from '../../../lib/maps';

const FIX = 'run `npm run templates` and commit templates/';

describe('templates/', () => {
	const expected = generateTemplates();
	const committed = existsSync(TEMPLATES_DIR) ? listTemplates() : [];

	it('holds exactly one live and one initial-copy workflow per catalog map and direction, and the admin workflows', () => {
		const missing = [...expected.keys()].filter((file) => !committed.includes(file));
		const extra = committed.filter((file) => !expected.has(file));
		if (missing.length > 0 || extra.length > 0) {
			throw new Error(`templates/ is out of date (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'}): ${FIX}`);
		}
		expect(expected.size).toBe(TEMPLATE_KINDS.length * loadCatalog().reduce((sum, map) => sum + mapDirections(map).length, 0) + buildAdminTemplates().size);
	});

	it('matches a regeneration byte for byte', () => {
		const stale = [...expected].filter(([file, text]) => committed.includes(file) && readFileSync(path.join(TEMPLATES_DIR, file), 'utf8') !== text).map(([file]) => file);
		if (stale.length > 0) throw new Error(`templates differ from the catalog: ${stale.join(', ')}: ${FIX}`);
	});

	it('gives every workflow and node a stable, unique id', () => {
		const workflowIds = new Set<string>();
		const nodeIds = new Set<string>();
		let nodeCount = 0;
		for (const text of expected.values()) {
			const workflow = JSON.parse(text) as { id: string; active: boolean; nodes: Array<{ id: string }> };
			expect(workflow.id).toMatch(/^[A-Za-z0-9]{16}$/);
			expect(workflow.active).toBe(false);
			workflowIds.add(workflow.id);
			for (const node of workflow.nodes) {
				expect(node.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
				nodeIds.add(node.id);
				nodeCount++;
			}
		}
		expect(workflowIds.size).toBe(expected.size);
		expect(nodeIds.size).toBe(nodeCount);
		expect(stableUuid('a', 'b')).toBe(stableUuid('a', 'b'));
		expect(workflowId('customers-v3-accounts', 'fo->dataverse')).not.toBe(workflowId('customers-v3-accounts', 'dataverse->fo'));
	});

	it('live: chains Dual-Write Trigger (polling the source) -> Dual-Write Map -> target Upsert in dual-write mode', () => {
		const customers = loadCatalog().find((map) => map.id === 'customers-v3-accounts')!;
		const workflow = buildTemplate(customers, 'dataverse->fo', 'live');
		const [, trigger, map, write] = workflow.nodes as Array<{ name: string; type: string; parameters: Record<string, unknown>; credentials?: Record<string, { id: string }> }>;
		expect(trigger).toMatchObject({ type: 'n8n-nodes-dual-write.dualWriteTrigger', parameters: { map: 'customers-v3-accounts', direction: 'dataverse->fo', capture: 'poll' } });
		expect(trigger.credentials).toEqual({ dualWriteDataverseOAuth2Api: { id: 'dwDemoDataverseCred', name: 'Dataverse (emulator)' } });
		expect(map).toMatchObject({ type: 'n8n-nodes-dual-write.dualWriteMap', parameters: { map: 'customers-v3-accounts', direction: 'dataverse->fo' } });
		expect(write).toMatchObject({ type: 'n8n-nodes-dual-write.dynamicsFo', parameters: { operation: 'upsert', valuesFrom: 'dualWrite' } });
		expect(workflow.connections[trigger.name]).toEqual({ main: [[{ node: map.name, type: 'main', index: 0 }]] });
		expect(workflow.connections[map.name]).toEqual({ main: [[{ node: write.name, type: 'main', index: 0 }], []] });
		expect(workflow.id).not.toBe(workflowId('customers-v3-accounts', 'dataverse->fo', 'initial'));
	});

	it('initial copy: chains Manual Trigger -> source Get Many -> Dual-Write Map -> target Upsert in dual-write mode', () => {
		const customers = loadCatalog().find((map) => map.id === 'customers-v3-accounts')!;
		const workflow = buildTemplate(customers, 'dataverse->fo', 'initial');
		const [, trigger, read, map, write] = workflow.nodes as Array<{ name: string; type: string; parameters: Record<string, unknown> & { options?: { expand?: string } }; credentials?: Record<string, { id: string }> }>;
		expect(trigger.type).toBe('n8n-nodes-base.manualTrigger');
		expect(read).toMatchObject({ type: 'n8n-nodes-dual-write.dataverseDualWrite', parameters: { operation: 'getAll', returnAll: true } });
		expect(read.parameters.options?.expand).toContain('msdyn_customergroupid($select=msdyn_groupid)');
		expect(read.credentials).toEqual({ dualWriteDataverseOAuth2Api: { id: 'dwDemoDataverseCred', name: 'Dataverse (emulator)' } });
		expect(map).toMatchObject({ type: 'n8n-nodes-dual-write.dualWriteMap', parameters: { map: 'customers-v3-accounts', direction: 'dataverse->fo' } });
		expect(write).toMatchObject({ type: 'n8n-nodes-dual-write.dynamicsFo', parameters: { operation: 'upsert', valuesFrom: 'dualWrite' } });
		expect(write.credentials).toEqual({ dualWriteFoOAuth2Api: { id: 'dwDemoFoCredential', name: 'F&O (emulator)' } });
		expect(workflow.connections[map.name]).toEqual({ main: [[{ node: write.name, type: 'main', index: 0 }], []] });
	});
});
