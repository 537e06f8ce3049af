/** The generated live templates as the end-to-end tests run them, optionally with the F&O webhook trigger added. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SyncDirection } from '../../../lib/maps';
import { DEMO_CREDENTIALS } from '../../../scripts/emulatorCredentials';
import { stableUuid, templateFile, TEMPLATES_DIR } from '../../../scripts/generate-templates';
import type { WorkflowJson } from './instance';

export function liveTemplate(map: string, direction: SyncDirection): WorkflowJson {
	return JSON.parse(readFileSync(path.join(TEMPLATES_DIR, templateFile(map, direction, 'live')), 'utf8')) as WorkflowJson;
}

/**
 * The F&O -> Dataverse workflow with the F&O webhook trigger in journal mode too: data events (deletes included) reach
 * the journal within a second, and the Dual-Write Trigger hands them over with its next batch. `scope` keeps the
 * node's ids apart between test files.
 */
export function withFoEvents(workflow: WorkflowJson, map: string, entity: string, scope: string): WorkflowJson {
	const node = {
		parameters: {
			entity: { __rl: true, mode: 'name', value: entity },
			events: ['Create', 'Update', 'Delete'],
			mode: 'journal',
			journalMap: map,
			registration: 'emulator',
			format: 'dataEvent',
			legalEntity: '',
		},
		id: stableUuid('e2e', scope, 'fo-events-node'),
		name: 'F&O Events',
		type: 'n8n-nodes-dual-write.dynamicsFoDualWriteTrigger',
		typeVersion: 1,
		position: [0, 300],
		webhookId: stableUuid('e2e', scope, 'fo-events'),
		credentials: { [DEMO_CREDENTIALS.fo.type]: { ...DEMO_CREDENTIALS.fo.ref } },
	};
	return { ...workflow, nodes: [...workflow.nodes, node] };
}
