/**
 * Generates, from the map catalog, two n8n workflows per map and direction it writes:
 * - templates/live/<map-id>.<fo-to-dataverse|dataverse-to-fo>.json: live sync, Dual-Write Trigger (polls the source
 *   every 2 s, one execution per batch) -> Dual-Write Map -> target Upsert (dual-write mode); activate it;
 * - templates/initial/<same name>: a one-off copy, Manual Trigger -> source Get Many -> Dual-Write Map -> target Upsert.
 * and the data admin's workflows, templates/admin/ (see buildAdminTemplates): status / pause / resume from the
 * editor, a scheduled retry of failed changes, an alert rule that mails.
 * Everything is derived from the map id and direction, so a regeneration is byte-identical (test/unit/templates).
 * Run: npm run templates
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATAVERSE_DEFAULT_BATCH_SIZE, FO_DEFAULT_BATCH_SIZE } from '../lib/connectors';
import { CORE_MAPS, compileMap, loadCatalog, mapDirections, sourceQuery, type MapDefinition, type SyncDirection } from '../lib/maps';
import type { SystemName } from '../lib/odata';
import { DEMO_CREDENTIALS } from './emulatorCredentials';

export const TEMPLATES_DIR = path.resolve(__dirname, '..', 'templates');
const PACKAGE = 'n8n-nodes-dual-write';

/** The demo credentials, so templates import ready to run against the emulators. */
const CREDENTIALS = DEMO_CREDENTIALS;
const NODE_TYPES = { fo: `${PACKAGE}.dynamicsFo`, dataverse: `${PACKAGE}.dataverseDualWrite` } as const;
const LABELS = { fo: 'F&O', dataverse: 'Dataverse' } as const;

export const directionSlug = (direction: SyncDirection): string => (direction === 'fo->dataverse' ? 'fo-to-dataverse' : 'dataverse-to-fo');
export type TemplateKind = 'live' | 'initial';
export const TEMPLATE_KINDS: readonly TemplateKind[] = ['live', 'initial'];
/** Path under templates/. */
export const templateFile = (mapId: string, direction: SyncDirection, kind: TemplateKind = 'live'): string => `${kind}/${mapId}.${directionSlug(direction)}.json`;

const digest = (...parts: string[]) => createHash('sha1').update(parts.join('\u0000')).digest('hex');

/** A UUID v5-shaped id (SHA-1 of the parts): stable across regenerations, unique per map, direction and role. */
export function stableUuid(...parts: string[]): string {
	const hex = digest('dual-write-template', ...parts);
	const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** n8n workflow ids are 16 alphanumeric characters. */
export function workflowId(mapId: string, direction: SyncDirection, kind: TemplateKind = 'live'): string {
	// The initial-copy ids keep the digest they had when they were the only templates.
	const parts = kind === 'initial' ? [mapId, direction] : [mapId, direction, kind];
	return `dw${digest('dual-write-workflow', ...parts).slice(0, 14)}`;
}

export interface TemplateWorkflow {
	id: string;
	name: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
	active: false;
	settings: Record<string, unknown>;
	pinData: Record<string, never>;
	meta: Record<string, unknown>;
}

export function buildTemplate(definition: MapDefinition, direction: SyncDirection, kind: TemplateKind = 'live'): TemplateWorkflow {
	return kind === 'live' ? buildLiveTemplate(definition, direction) : buildInitialTemplate(definition, direction);
}

/** The Map and Upsert nodes both kinds share; `position` places the Map node. */
function mapAndWrite(definition: MapDefinition, direction: SyncDirection, id: (role: string) => string, x: number) {
	const source: SystemName = direction === 'fo->dataverse' ? 'fo' : 'dataverse';
	const target: SystemName = source === 'fo' ? 'dataverse' : 'fo';
	const arrow = `${LABELS[source]} → ${LABELS[target]}`;
	const names = { map: `Map: ${definition.title}`, write: `Upsert ${target === 'fo' ? definition.fo.entity : definition.dataverse.entity}` };
	const nodes = [
		{
			parameters: { map: definition.id, direction, overrides: {} },
			id: id('map'),
			name: names.map,
			type: `${PACKAGE}.dualWriteMap`,
			typeVersion: 1,
			position: [x, 0],
			notes: `Map ${definition.id}, ${arrow}`,
			notesInFlow: true,
		},
		{
			parameters: {
				resource: 'record',
				operation: 'upsert',
				valuesFrom: 'dualWrite',
				options: { batchSize: target === 'fo' ? FO_DEFAULT_BATCH_SIZE : DATAVERSE_DEFAULT_BATCH_SIZE },
			},
			id: id('write'),
			name: names.write,
			type: NODE_TYPES[target],
			typeVersion: 1,
			position: [x + 260, -100],
			credentials: { [CREDENTIALS[target].type]: { ...CREDENTIALS[target].ref } },
		},
	];
	return { nodes, names, arrow, source, target };
}

function buildLiveTemplate(definition: MapDefinition, direction: SyncDirection): TemplateWorkflow {
	const id = (role: string) => stableUuid(definition.id, direction, 'live', role);
	const { nodes, names, arrow, source } = mapAndWrite(definition, direction, id, 260);
	const triggerName = `Changes: ${source === 'fo' ? definition.fo.entity : definition.dataverse.entity}`;
	const capture =
		source === 'fo'
			? `polls the F&O modified-time field of ${definition.fo.entity} every 2 s (add the F&O (Dual-Write) Trigger in journal mode for deletes and lower latency)`
			: `follows Dataverse change tracking of ${definition.dataverse.entity} every 2 s (deletes included)`;
	const notes = [
		`Live sync of dual-write map ${definition.id} v${definition.version}: ${definition.title}, ${arrow}.`,
		`The Dual-Write Trigger ${capture} and starts one execution per batch of changes; each record is read fresh,`,
		`our own writes and repeats are skipped, the Map node maps it and the Upsert node merges it field by field with`,
		`the target (conflict policy of the map), writes only what differs, and records every outcome in the journal.`,
		`Activate it together with the opposite direction's workflow. Run the initial copy (templates/initial) first.`,
		`Generated by npm run templates from maps/${definition.id}.json; do not edit by hand.`,
	].join(' ');
	const trigger = {
		parameters: { map: definition.id, direction, capture: 'poll', options: {} },
		id: id('trigger'),
		name: triggerName,
		type: `${PACKAGE}.dualWriteTrigger`,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [CREDENTIALS[source].type]: { ...CREDENTIALS[source].ref } },
	};
	return {
		id: workflowId(definition.id, direction, 'live'),
		name: `Dual-Write live: ${definition.title} (${arrow})`,
		nodes: [
			{
				parameters: { content: `## ${definition.title} (${arrow}), live\n\nMap \`${definition.id}\` v${definition.version}.\n\n${notes}`, height: 320, width: 460 },
				id: id('note'),
				name: 'About This Template',
				type: 'n8n-nodes-base.stickyNote',
				typeVersion: 1,
				position: [-260, -400],
			},
			trigger,
			...nodes,
		],
		connections: {
			[triggerName]: { main: [[{ node: names.map, type: 'main', index: 0 }]] },
			[names.map]: { main: [[{ node: names.write, type: 'main', index: 0 }], []] },
		},
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
		meta: { dualWriteMap: definition.id, dualWriteMapVersion: definition.version, dualWriteDirection: direction, dualWriteTemplate: 'live' },
	};
}

function buildInitialTemplate(definition: MapDefinition, direction: SyncDirection): TemplateWorkflow {
	const query = sourceQuery(compileMap(definition), direction);
	const id = (role: string) => stableUuid(definition.id, direction, role);
	const { nodes: mapNodes, names, arrow, source } = mapAndWrite(definition, direction, id, 440);
	const trigger = 'Run Manually';
	const read = `Get ${query.entity}`;
	const readOptions: Record<string, unknown> = { select: query.select };
	if (query.expand.length > 0) {
		readOptions.expand = query.expand.map((e) => (e.select?.length ? `${e.navigation}($select=${e.select.join(',')})` : e.navigation)).join(',');
	}
	// A company-striped F&O entity is read for every company: the map keeps the company on each record.
	if (source === 'fo' && definition.company) readOptions.crossCompany = true;
	const notes = [
		`One-off copy with dual-write map ${definition.id} v${definition.version}: ${definition.title}, ${arrow}.`,
		`Reads every ${query.entity} record, maps it with the Dual-Write Map node and upserts it by the map's integration key`,
		`(the Upsert node takes entity, key and lookups from each item's dualWrite envelope). Skipped records leave on the`,
		`Map node's second output. Run the maps it depends on first (companies, groups, terms) so that lookups resolve.`,
		`Live sync afterwards: the workflow of the same name in templates/live.`,
		`Generated by npm run templates from maps/${definition.id}.json; do not edit by hand.`,
	].join(' ');
	const nodes = [
		{
			parameters: { content: `## ${definition.title} (${arrow})\n\nMap \`${definition.id}\` v${definition.version}.\n\n${notes}`, height: 300, width: 440 },
			id: id('note'),
			name: 'About This Template',
			type: 'n8n-nodes-base.stickyNote',
			typeVersion: 1,
			position: [-260, -380],
		},
		{ parameters: {}, id: id('trigger'), name: trigger, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] },
		{
			parameters: { resource: 'record', operation: 'getAll', entity: { __rl: true, mode: 'name', value: query.entity }, returnAll: true, options: readOptions },
			id: id('read'),
			name: read,
			type: NODE_TYPES[source],
			typeVersion: 1,
			position: [220, 0],
			credentials: { [CREDENTIALS[source].type]: { ...CREDENTIALS[source].ref } },
		},
		...mapNodes,
	];
	return {
		id: workflowId(definition.id, direction, 'initial'),
		name: `Dual-Write initial copy: ${definition.title} (${arrow})`,
		nodes,
		connections: {
			[trigger]: { main: [[{ node: read, type: 'main', index: 0 }]] },
			[read]: { main: [[{ node: names.map, type: 'main', index: 0 }]] },
			[names.map]: { main: [[{ node: names.write, type: 'main', index: 0 }], []] },
		},
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
		meta: { dualWriteMap: definition.id, dualWriteMapVersion: definition.version, dualWriteDirection: direction, dualWriteTemplate: 'initial' },
	};
}

// ---------------------------------------------------------------------------------------------------------------
// The data admin's workflows (issue 6): one file each under templates/admin/, built from the Dual-Write node's
// parameters as saved by n8n, so that they import ready to run (no credential needed but the mail server's).

export const ADMIN_DIR = 'admin';
/** The map the admin templates name by default: the core map of the demo and the tests. */
export const ADMIN_EXAMPLE_MAP = 'customers-v3-accounts';
const DUAL_WRITE = `${PACKAGE}.dualWrite`;
const ALERT_TRIGGER = `${PACKAGE}.dualWriteAlertTrigger`;
/** Classes that can heal without a person changing data (validation and conflict failures would fail again). */
export const HEALING_CLASSES = ['auth', 'missing-reference', 'throttling', 'transient', 'unknown'] as const;

const adminWorkflowId = (name: string) => `dw${digest('dual-write-workflow', ADMIN_DIR, name).slice(0, 14)}`;
const connect = (...targets: string[]) => ({ main: targets.map((node) => [{ node, type: 'main', index: 0 }]) });

function adminWorkflow(slug: string, name: string, nodes: Array<Record<string, unknown>>, connections: Record<string, unknown>): TemplateWorkflow {
	return {
		id: adminWorkflowId(slug),
		name,
		nodes,
		connections,
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
		meta: { dualWriteTemplate: `admin/${slug}` },
	};
}

function note(slug: string, content: string, position: [number, number], size: { width: number; height: number }): Record<string, unknown> {
	return { parameters: { content, ...size }, id: stableUuid(ADMIN_DIR, slug, 'note'), name: 'About This Template', type: 'n8n-nodes-base.stickyNote', typeVersion: 1, position };
}

/** Manual Trigger -> the admin's choice (Edit Fields) -> Switch -> status, pause, resume, failed changes or activity. */
function buildAdminConsole(): TemplateWorkflow {
	const slug = 'pause-resume-status';
	const id = (role: string) => stableUuid(ADMIN_DIR, slug, role);
	const actions = [
		{ action: 'status', name: 'Map Status', parameters: { resource: 'map', operation: 'getStatus', map: '={{ $json.map }}' } },
		{ action: 'pause', name: 'Pause Map', parameters: { resource: 'map', operation: 'pause', map: '={{ $json.map }}', reason: '={{ $json.reason }}' } },
		{ action: 'resume', name: 'Resume Map', parameters: { resource: 'map', operation: 'resume', map: '={{ $json.map }}', reason: '={{ $json.reason }}' } },
		{
			action: 'errors',
			name: 'Failed Changes',
			parameters: { resource: 'errorLog', operation: 'list', returnAll: false, limit: 50, filters: { map: '={{ $json.map }}', status: ['failed'] } },
		},
		{ action: 'activity', name: 'Activity', parameters: { resource: 'activity', operation: 'list', map: '={{ $json.map }}', events: [], returnAll: false, limit: 50 } },
	];
	const choice = 'What To Do';
	const route = 'Action';
	const content = [
		'## Dual-Write admin: pause / resume / status',
		'',
		`Set **action** in *${choice}* and run the workflow:`,
		...actions.map((a) => `- \`${a.action}\`: ${a.name}`),
		'',
		`**map**: a map id (default \`${ADMIN_EXAMPLE_MAP}\`); empty = all maps for status, failed changes and activity. **reason** goes to the activity log with this workflow and execution.`,
		'',
		'A paused map keeps capturing changes and writes nothing; resume catches up in order per record (state `catching-up`), then runs live. The state is in the state file: it survives restarts.',
	].join('\n');
	return adminWorkflow(
		slug,
		'Dual-Write admin: pause / resume / status',
		[
			note(slug, content, [-300, -420], { width: 520, height: 380 }),
			{ parameters: {}, id: id('trigger'), name: 'Run Manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] },
			{
				parameters: {
					mode: 'manual',
					assignments: {
						assignments: [
							{ id: id('assign-action'), name: 'action', value: 'status', type: 'string' },
							{ id: id('assign-map'), name: 'map', value: ADMIN_EXAMPLE_MAP, type: 'string' },
							{ id: id('assign-reason'), name: 'reason', value: '', type: 'string' },
						],
					},
					options: {},
				},
				id: id('choice'),
				name: choice,
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [220, 0],
			},
			{
				parameters: {
					mode: 'expression',
					numberOutputs: actions.length,
					output: `={{ ${JSON.stringify(actions.map((a) => a.action))}.indexOf($json.action) }}`,
				},
				id: id('switch'),
				name: route,
				type: 'n8n-nodes-base.switch',
				typeVersion: 3.2,
				position: [440, 0],
			},
			...actions.map((a, index) => ({
				parameters: a.parameters,
				id: id(a.action),
				name: a.name,
				type: DUAL_WRITE,
				typeVersion: 1,
				position: [700, (index - 2) * 180],
			})),
		],
		{ 'Run Manually': connect(choice), [choice]: connect(route), [route]: connect(...actions.map((a) => a.name)) },
	);
}

/** Schedule Trigger (every 5 minutes) -> Error Log: Retry of failed changes whose class can heal. */
function buildScheduledRetry(): TemplateWorkflow {
	const slug = 'retry-failed-every-5-minutes';
	const id = (role: string) => stableUuid(ADMIN_DIR, slug, role);
	const content = [
		'## Retry failed changes every 5 minutes',
		'',
		'Transient failures (outages, throttling, a missing parent record) already retry by themselves with backoff, up to 10 attempts. This workflow queues again, every 5 minutes, the changes that used up their attempts in a class that can heal: ' +
			HEALING_CLASSES.map((c) => `\`${c}\``).join(', ') +
			'. Validation and conflict failures need a person: see Error Log > List, fix, then Retry (optionally with an edited payload) or Dismiss.',
		'',
		'Activate it. Each run returns the IDs it queued again.',
	].join('\n');
	return adminWorkflow(
		slug,
		'Dual-Write admin: retry failed changes every 5 minutes',
		[
			note(slug, content, [-300, -380], { width: 480, height: 320 }),
			{
				parameters: { rule: { interval: [{ field: 'minutes', minutesInterval: 5 }] } },
				id: id('trigger'),
				name: 'Every 5 Minutes',
				type: 'n8n-nodes-base.scheduleTrigger',
				typeVersion: 1.2,
				position: [0, 0],
			},
			{
				parameters: { resource: 'errorLog', operation: 'retry', select: 'filter', filters: { status: ['failed'], errorClass: [...HEALING_CLASSES] }, options: {} },
				id: id('retry'),
				name: 'Retry Failed Changes',
				type: DUAL_WRITE,
				typeVersion: 1,
				position: [240, 0],
			},
		],
		{ 'Every 5 Minutes': connect('Retry Failed Changes') },
	);
}

/** Dual-Write Alert Trigger -> Send Email; and a manual branch that sets Microsoft's documented example rule. */
function buildAlertEmail(): TemplateWorkflow {
	const slug = 'alert-on-errors-email';
	const id = (role: string) => stableUuid(ADMIN_DIR, slug, role);
	const content = [
		'## Alert on errors → email',
		'',
		`1. Run the workflow once from the editor (*Set the Rule*): ${ADMIN_EXAMPLE_MAP} gets the rule "10 failures within 15 minutes pause the map and notify" (Microsoft's documented example). Change map, class, count and window there; rules apply at once.`,
		'2. Give *Email the Data Admins* an SMTP credential and real addresses (placeholders here).',
		'3. Activate the workflow: the Alert Trigger evaluates the rules every 15 s and sends one mail per trip, with the counts and a sample of the failures.',
	].join('\n');
	const body = [
		'={{ $json.summary }}',
		'',
		'Map: {{ $json.map }} ({{ $json.state }})',
		'Rule: {{ $json.rule }}, {{ $json.threshold }} failures (class: {{ $json.errorClass }}) within {{ $json.windowMinutes }} minutes',
		'Failures counted: {{ $json.errors }} since {{ $json.windowStart }}',
		'',
		'Latest failures:',
		"{{ $json.sample.map(s => '- #' + s.id + ' ' + JSON.stringify(s.sourceKey) + ': [' + s.errorClass + '] ' + s.message).join('\\n') }}",
		'',
		'Resume the map with the Dual-Write node (Map > Resume) once the cause is fixed; the changes journaled meanwhile catch up in order.',
	].join('\n');
	return adminWorkflow(
		slug,
		'Dual-Write admin: alert on errors → email',
		[
			note(slug, content, [-300, -440], { width: 520, height: 360 }),
			{ parameters: { options: {} }, id: id('trigger'), name: 'When a Rule Trips', type: ALERT_TRIGGER, typeVersion: 1, position: [0, 0] },
			{
				parameters: {
					fromEmail: 'dual-write@example.com',
					toEmail: 'data-admins@example.com',
					subject: '=Dual-write alert: {{ $json.map }} ({{ $json.errors }} failures)',
					emailFormat: 'text',
					text: body,
					options: {},
				},
				id: id('email'),
				name: 'Email the Data Admins',
				type: 'n8n-nodes-base.emailSend',
				typeVersion: 2.1,
				position: [260, 0],
				webhookId: id('email-webhook'),
			},
			{ parameters: {}, id: id('setup'), name: 'Set the Rule', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 240] },
			{
				parameters: { resource: 'alertRule', operation: 'set', map: ADMIN_EXAMPLE_MAP, errorClass: 'any', threshold: 10, windowMinutes: 15, pause: true, notify: true, name: '' },
				id: id('rule'),
				name: '10 Failures in 15 Minutes',
				type: DUAL_WRITE,
				typeVersion: 1,
				position: [260, 240],
			},
		],
		{ 'When a Rule Trips': connect('Email the Data Admins'), 'Set the Rule': connect('10 Failures in 15 Minutes') },
	);
}

/** Manual Trigger -> Dry Run of the core maps -> Initial Sync: Run of the core maps (resumable: run it again after a stop). */
function buildCoreInitialSync(): TemplateWorkflow {
	const slug = 'initial-sync-core-maps';
	const id = (role: string) => stableUuid(ADMIN_DIR, slug, role);
	const content = [
		'## Initial sync (core maps)',
		'',
		'Copies the existing F&O records of the core maps to Dataverse, in dependency order (legal entities, currencies, terms and groups before vendors and customers). Records on both sides are matched by key and merged by each map’s conflict policy, never duplicated; records already equal are not written.',
		'',
		'1. **Execute the workflow**: the dry run reports, per map, what would be created, updated, left alone, in conflict or failing (with samples); then the initial sync writes.',
		'2. Stopped or crashed midway? Execute again: the run resumes from its checkpoint and re-sends nothing already written. Options > Restart starts over.',
		'3. Failures are in the Error Log (Dual-Write node > Error Log > List); live sync retries missing references by itself.',
		'',
		'To only report, delete the Initial Sync node.',
	].join('\n');
	const credentials = {
		[CREDENTIALS.fo.type]: { ...CREDENTIALS.fo.ref },
		[CREDENTIALS.dataverse.type]: { ...CREDENTIALS.dataverse.ref },
	};
	const parameters = (dryRun: boolean) => ({
		resource: 'initialSync',
		operation: 'run',
		maps: [...CORE_MAPS],
		masterSide: 'fo',
		dryRun,
		runName: dryRun ? 'core-maps-dry-run' : 'core-maps',
		options: {},
	});
	return adminWorkflow(
		slug,
		'Dual-Write: initial sync (core maps)',
		[
			note(slug, content, [-300, -420], { width: 560, height: 360 }),
			{ parameters: {}, id: id('trigger'), name: 'Run Manually', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] },
			{ parameters: parameters(true), id: id('dry-run'), name: 'Dry Run', type: DUAL_WRITE, typeVersion: 1, position: [260, 0], credentials },
			{
				parameters: parameters(false),
				id: id('run'),
				name: 'Initial Sync',
				type: DUAL_WRITE,
				typeVersion: 1,
				position: [520, 0],
				credentials,
				// One run for the whole set, not one per dry-run item (there is one per map).
				executeOnce: true,
			},
		],
		{ 'Run Manually': connect('Dry Run'), 'Dry Run': connect('Initial Sync') },
	);
}

/** Path under templates/ -> workflow. */
export function buildAdminTemplates(): Map<string, TemplateWorkflow> {
	return new Map([buildAdminConsole(), buildScheduledRetry(), buildAlertEmail(), buildCoreInitialSync()].map((workflow) => [`${ADMIN_DIR}/${String(workflow.meta.dualWriteTemplate).slice(ADMIN_DIR.length + 1)}.json`, workflow]));
}

/** File name -> file text, for every map of the catalog and every direction it writes, and the admin workflows. */
export function generateTemplates(catalog: readonly MapDefinition[] = loadCatalog()): Map<string, string> {
	const files = new Map<string, string>();
	for (const [file, workflow] of buildAdminTemplates()) files.set(file, `${JSON.stringify(workflow, null, '\t')}\n`);
	for (const definition of catalog) {
		for (const direction of mapDirections(definition)) {
			for (const kind of TEMPLATE_KINDS) {
				files.set(templateFile(definition.id, direction, kind), `${JSON.stringify(buildTemplate(definition, direction, kind), null, '\t')}\n`);
			}
		}
	}
	return files;
}

/** Every committed template, as paths under templates/ (the kinds' folders and stray files at the top). */
export function listTemplates(): string[] {
	const top = readdirSync(TEMPLATES_DIR, { withFileTypes: true });
	const files = top.filter((entry) => entry.isFile() && entry.name.endsWith('.json')).map((entry) => entry.name);
	for (const entry of top.filter((e) => e.isDirectory())) {
		files.push(...readdirSync(path.join(TEMPLATES_DIR, entry.name)).filter((file) => file.endsWith('.json')).map((file) => `${entry.name}/${file}`));
	}
	return files.sort();
}

function main(): void {
	const files = generateTemplates();
	for (const dir of [...TEMPLATE_KINDS, ADMIN_DIR]) mkdirSync(path.join(TEMPLATES_DIR, dir), { recursive: true });
	for (const stale of listTemplates().filter((file) => !files.has(file))) rmSync(path.join(TEMPLATES_DIR, stale));
	for (const [file, text] of files) writeFileSync(path.join(TEMPLATES_DIR, file), text);
	console.log(`${files.size} templates written to ${path.relative(process.cwd(), TEMPLATES_DIR) || '.'}`);
}

if (require.main === module) main();
