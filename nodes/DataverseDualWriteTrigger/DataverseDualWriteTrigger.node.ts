import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INode,
	type ILoadOptionsFunctions,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	DataverseWebhookRegistrar,
	newWebhookSecret,
	parseFilteringAttributes,
	registrationSignature,
	secretMatches,
	WEBHOOK_SECRET_HEADER,
	type WebhookMessage,
} from '../../lib/connectors';
import { catalogMap, compileMap, loadCatalog, mapDirections } from '../../lib/maps';
import {
	ChangeEventError,
	dataverseTriggerItem,
	decideEcho,
	DUAL_WRITE_ORIGIN_TAG,
	journalDataverseDelivery,
	ledgerQuery,
	lookupFieldsOfMap,
	parseDataverseWebhook,
	resolveLookups,
	type DataverseWebhookOptions,
	type LookupFields,
	type WebhookDelivery,
} from '../../lib/sync';
import { dataverseProfile } from '../DataverseDualWrite/profile';
import { entityLocator } from '../shared/actions/common';
import { toNodeError } from '../shared/helpers/errors';
import { journalMapOf, journalMapOptions, modeProperties, type TriggerMode } from '../shared/helpers/journalMode';
import { nodeMethods } from '../shared/methods';
import { sharedStateStore } from '../shared/state';
import { environmentUrl, getConnector, n8nTransport } from '../shared/transport';

/** What an activation registered, kept in the node's workflow static data (n8n saves it after create/delete). */
interface RegistrationData {
	endpointId?: string;
	stepIds?: string[];
	/** Post-images of synchronous steps. */
	imageIds?: string[];
	secret?: string;
	signature?: string;
	entity?: string;
	logicalName?: string;
	primaryId?: string;
}

const DIRECTION = 'dataverse->fo';

const MESSAGE_CHANGE: Record<WebhookMessage, 'create' | 'update' | 'delete'> = { Create: 'create', Update: 'update', Delete: 'delete' };

interface Settings {
	url: string;
	entity: string;
	messages: WebhookMessage[];
	filteringAttributes: string[];
	synchronous: boolean;
}

/** "Resolve Lookups For Map": the key fields of a catalog map, every referenced table's alternate keys, or nothing. */
const LOOKUPS_ALTERNATE_KEYS = 'alternateKeys';
const LOOKUPS_NONE = 'none';

/** Synchronous steps only start executions: a journal answers at once, so its steps stay asynchronous. */
function synchronousOf(param: (name: string, fallback: unknown) => unknown): boolean {
	return (param('mode', 'execution') as TriggerMode) !== 'journal' && param('synchronous', false) === true;
}

function settingsOf(context: IHookFunctions): Settings {
	const entity = String(context.getNodeParameter('entity', undefined, { extractValue: true }) ?? '').trim();
	const messages = context.getNodeParameter('events', []) as WebhookMessage[];
	if (!entity) throw new NodeOperationError(context.getNode(), 'Choose the table to watch');
	if (messages.length === 0) throw new NodeOperationError(context.getNode(), 'Choose at least one event');
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n did not give this node a webhook URL');
	const param = (name: string, fallback: unknown) => context.getNodeParameter(name, fallback);
	const chosen = parseFilteringAttributes(context.getNodeParameter('filteringAttributes', '') as string);
	return {
		url,
		entity,
		messages,
		filteringAttributes: chosen.length > 0 ? chosen : mapColumns(context.getNode(), param, entity),
		synchronous: synchronousOf(param),
	};
}

/**
 * Without Filtering Attributes of the user's, the columns of the map the trigger feeds (journal mode: its map; else a
 * catalog map chosen to resolve lookups), as Microsoft's dual-write registers its steps: an update of a column no map
 * reads starts nothing. No known map (a custom one, or none chosen): every update.
 */
function mapColumns(node: INode, param: (name: string, fallback: unknown) => unknown, entity: string): string[] {
	const mode = param('mode', 'execution') as TriggerMode;
	const id = mode === 'journal' ? journalMapOf(node, param, DIRECTION) : String(param('resolveLookupsForMap', LOOKUPS_ALTERNATE_KEYS));
	const definition = catalogMap(id);
	if (!definition || definition.dataverse.entity.toLowerCase() !== entity.toLowerCase()) return [];
	const query = ledgerQuery(compileMap(definition), 'dataverse');
	return [...new Set([...query.select, ...query.expand.map((expand) => expand.navigation)].map((name) => name.toLowerCase()))].sort();
}


/** The catalog maps that map the table Dataverse → F&O (all of them while the table is not chosen). */
function lookupMapOptions(entity: string): INodePropertyOptions[] {
	const maps = loadCatalog()
		.filter((map) => mapDirections(map).includes(DIRECTION) && (entity === '' || map.dataverse.entity === entity))
		.map((map) => ({ name: `Map: ${map.title}`, value: map.id, description: `The key fields map ${map.id} reads through each lookup` }))
		.sort((a, b) => a.name.localeCompare(b.name));
	return [
		{ name: 'Alternate Keys of Each Referenced Table', value: LOOKUPS_ALTERNATE_KEYS, description: 'For any map: the columns of the referenced table’s alternate keys' },
		...maps,
		{ name: 'Do Not Resolve', value: LOOKUPS_NONE, description: 'Keep lookups as {ID, logicalName} references' },
	];
}

/** A catalog map's lookup fields, compiled once per process (catalog maps do not change while n8n runs). */
const mapLookupFields = new Map<string, LookupFields>();

/** undefined = alternate keys; null = leave the references alone. */
function lookupFieldsOf(node: INode, choice: string): LookupFields | undefined | null {
	if (choice === LOOKUPS_NONE) return null;
	if (choice === '' || choice === LOOKUPS_ALTERNATE_KEYS) return undefined;
	const known = mapLookupFields.get(choice);
	if (known) return known;
	const map = catalogMap(choice);
	if (!map) throw new NodeOperationError(node, `Resolve Lookups For Map: no map "${choice}" in the catalog`);
	const fields = lookupFieldsOfMap(compileMap(map));
	mapLookupFields.set(choice, fields);
	return fields;
}

async function registrar(context: IHookFunctions): Promise<DataverseWebhookRegistrar> {
	return new DataverseWebhookRegistrar({
		environmentUrl: await environmentUrl(context, dataverseProfile.credentialName),
		transport: n8nTransport(context, dataverseProfile.credentialName),
	});
}

function clear(data: IDataObject): void {
	for (const name of Object.keys(data)) delete data[name];
}

export class DataverseDualWriteTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dataverse (Dual-Write) Trigger',
		name: 'dataverseDualWriteTrigger',
		icon: { light: 'file:../../icons/dataverse.svg', dark: 'file:../../icons/dataverse.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"].join(", ") + " of " + $parameter["entity"].value }}',
		description: 'Starts the workflow when Dataverse rows are created, updated or deleted (a webhook Dataverse calls)',
		defaults: { name: 'Dataverse Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: dataverseProfile.credentialName, required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// Synchronous: n8n answers when the execution has finished (the last node's first item, or 500 when the
				// execution failed), and Dataverse fails the user's save on anything but 2xx.
				responseMode: '={{$parameter["mode"] !== "journal" && $parameter["synchronous"] === true ? "lastNode" : "onReceived"}}',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName:
					'On activation this node registers a webhook (service endpoint) and one post-operation step per event in Dataverse, and removes them on deactivation. Per change it starts an execution whose item holds the row’s columns as Dataverse sent them (Create: all set columns; Update: the changed ones; Delete: only the ID) and, under "dataverse", the change: entity, change, key, eventId, at, depth, tag. Synchronous: the step runs inside the user’s save, the item is the whole row with its lookups resolved, and the save fails when the execution fails. In journal mode it appends the change to the map’s journal instead and answers at once; a Dual-Write Trigger (same map, Dataverse → F&O) syncs it. A repeated delivery (same event ID) is journaled once, and out-of-order deliveries are harmless: the Dual-Write Trigger reads each row’s current values before it syncs them.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{ ...entityLocator(dataverseProfile), displayName: 'Table', description: 'The entity set of the table to watch, as listed in $metadata' },
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{ name: 'Create', value: 'Create', description: 'A row was created' },
					{ name: 'Delete', value: 'Delete', description: 'A row was deleted' },
					{ name: 'Update', value: 'Update', description: 'A row was updated' },
				],
				default: ['Create', 'Update'],
			},
			{
				displayName: 'Filtering Attributes',
				name: 'filteringAttributes',
				type: 'string',
				default: '',
				placeholder: 'e.g. name, creditlimit',
				description:
					'Column logical names separated by commas: Update fires only when the request set one of them. Empty = the columns the map reads (journal mode: the journal’s map; otherwise the map chosen under Resolve Lookups For Map), or any column when no catalog map is known.',
			},
			...modeProperties(DIRECTION, {
				executionName: 'Start an Execution per Change',
				executionDescription: 'Start one execution per delivery, with the row’s columns and the change under "dataverse"',
				default: 'execution',
			}),
			{
				displayName: 'Synchronous',
				name: 'synchronous',
				type: 'boolean',
				default: false,
				displayOptions: { show: { mode: ['execution'] } },
				description:
					'Whether the step runs inside the user’s save (Microsoft’s live sync): Dataverse waits for the execution and rolls the save back when it fails (the user sees the error), so a Dual-Write Map → Upsert after this node makes the save succeed only when the other system took the change. The item is the whole row (a post-image) with its lookups resolved, because the row cannot be read back before the save commits. The workflow must finish within Dataverse’s 60 s webhook timeout. A Delete’s item has only the ID: with Delete among the events, handle deletes before a Dual-Write Map, or every delete fails.',
			},
			{
				displayName: 'Resolve Lookups For Map Name or ID',
				name: 'resolveLookupsForMap',
				type: 'options',
				noDataExpression: true,
				typeOptions: { loadOptionsMethod: 'getLookupMaps', loadOptionsDependsOn: ['entity.value'] },
				default: LOOKUPS_ALTERNATE_KEYS,
				displayOptions: { show: { mode: ['execution'], synchronous: [true] } },
				description:
					'Lookups arrive as references ({ID, logicalName}); a Dual-Write Map reads them as expanded navigation properties (msdyn_customergroupid: {msdyn_groupid: "10"}). Each referenced row is read once per change for these fields: the ones the chosen map needs, or the alternate-key columns of the referenced table. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Ignore Our Own Writes',
				name: 'ignoreOwnWrites',
				type: 'boolean',
				default: true,
				description: `Whether to skip changes made by this package’s dual-write upserts (they carry the tag "${DUAL_WRITE_ORIGIN_TAG}"). Skipped deliveries are acknowledged and start no execution; in journal mode they are recorded as skipped (echo).`,
			},
		],
	};

	methods = {
		listSearch: nodeMethods(dataverseProfile).listSearch,
		loadOptions: {
			async getJournalMaps(this: ILoadOptionsFunctions) {
				return journalMapOptions(DIRECTION);
			},
			async getLookupMaps(this: ILoadOptionsFunctions) {
				const entity = this.getCurrentNodeParameter('entity', { extractValue: true });
				return lookupMapOptions(typeof entity === 'string' ? entity.trim() : '');
			},
		},
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData & IDataObject;
				if (!data.endpointId) return false;
				const client = await registrar(this);
				try {
					const settings = settingsOf(this);
					const current = data.signature === registrationSignature(settings);
					const exists = await client.endpointExists(data.endpointId);
					const steps = exists ? await client.stepIdsOf(data.endpointId) : [];
					const complete = (data.stepIds ?? []).every((id) => steps.includes(id));
					if (exists && current && complete) return true;
					// Changed settings or a registration someone removed in part: drop what is left and register again.
					if (exists) await client.unregister(data.endpointId, data.stepIds ?? [], data.imageIds ?? []);
				} catch (error) {
					throw toNodeError(this.getNode(), error, 0);
				}
				clear(data);
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData & IDataObject;
				const settings = settingsOf(this);
				const secret = newWebhookSecret();
				try {
					const entity = await (await getConnector(this, dataverseProfile)).describe(settings.entity);
					// A wrong map fails the activation, not every delivery.
					if ((this.getNodeParameter('mode', 'execution') as TriggerMode) === 'journal') {
						journalMapOf(this.getNode(), (name, fallback) => this.getNodeParameter(name, fallback), DIRECTION, entity.name);
					}
					const registration = await (await registrar(this)).register({
						url: settings.url,
						secret,
						logicalName: entity.typeName,
						messages: settings.messages,
						filteringAttributes: settings.filteringAttributes,
						synchronous: settings.synchronous,
					});
					clear(data);
					Object.assign(data, {
						endpointId: registration.endpointId,
						stepIds: Object.values(registration.stepIds),
						...(settings.synchronous ? { imageIds: Object.values(registration.imageIds) } : {}),
						secret,
						signature: registrationSignature(settings),
						entity: entity.name,
						logicalName: entity.typeName,
						primaryId: entity.key[0],
					} satisfies RegistrationData);
				} catch (error) {
					throw toNodeError(this.getNode(), error, 0);
				}
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData & IDataObject;
				if (data.endpointId) {
					try {
						await (await registrar(this)).unregister(data.endpointId, data.stepIds ?? [], data.imageIds ?? []);
					} catch (error) {
						// Keep the ids: the next activation's checkExists or create sweeps the endpoint up.
						this.logger.warn('Dataverse trigger: could not remove the webhook registration', {
							endpointId: data.endpointId,
							error: error instanceof Error ? error.message : String(error),
						});
						return false;
					}
				}
				clear(data);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const data = this.getWorkflowStaticData('node') as RegistrationData;
		const response = this.getResponseObject();
		if (!secretMatches(this.getHeaderData()[WEBHOOK_SECRET_HEADER], data.secret)) {
			response.status(401).json({ message: 'Unauthorized' });
			return { noWebhookResponse: true };
		}
		const entity = data.entity ?? String(this.getNodeParameter('entity', undefined, { extractValue: true }));
		const delivery: WebhookDelivery = { headers: this.getHeaderData(), body: this.getBodyData() };
		const options: DataverseWebhookOptions = {
			entitySetOf: (logicalName) => (data.logicalName === undefined || logicalName === data.logicalName ? entity : undefined),
		};
		const events = (this.getNodeParameter('events', []) as WebhookMessage[]).map((message) => MESSAGE_CHANGE[message]);
		const ignoreOwnWrites = this.getNodeParameter('ignoreOwnWrites', true) as boolean;
		const refuse = (error: unknown): IWebhookResponseData => {
			// Dataverse retries only 502/503/504; a delivery we cannot read would fail again the same way.
			if (!(error instanceof ChangeEventError)) throw new NodeOperationError(this.getNode(), error as Error);
			response.status(400).json({ message: error.message });
			return { noWebhookResponse: true };
		};

		if ((this.getNodeParameter('mode', 'execution') as TriggerMode) === 'journal') {
			const node = this.getNode();
			const map = journalMapOf(node, (name, fallback) => this.getNodeParameter(name, fallback), DIRECTION, data.entity);
			if (!data.primaryId) throw new NodeOperationError(node, 'The trigger was not activated: its static data holds no primary id column');
			try {
				await journalDataverseDelivery(await sharedStateStore(), delivery, {
					...options,
					map,
					events,
					primaryId: data.primaryId,
					...(ignoreOwnWrites ? { ourTag: DUAL_WRITE_ORIGIN_TAG } : {}),
				});
			} catch (error) {
				return refuse(error);
			}
			return { webhookResponse: 'OK' };
		}

		let change;
		try {
			change = parseDataverseWebhook(delivery, options);
		} catch (error) {
			return refuse(error);
		}
		if (!events.includes(change.change)) return { webhookResponse: 'OK' };
		if (ignoreOwnWrites) {
			// Our own upserts come back as deliveries too; acknowledging them without an execution stops the loop.
			const decision = await decideEcho(change, { ourTag: DUAL_WRITE_ORIGIN_TAG });
			if (decision.echo) return { webhookResponse: 'OK' };
		}
		let item: Record<string, unknown> = dataverseTriggerItem(change, data.primaryId ?? `${data.logicalName ?? change.entity}id`);
		if (synchronousOf((name, fallback) => this.getNodeParameter(name, fallback)) && change.change !== 'delete') {
			const fields = lookupFieldsOf(this.getNode(), String(this.getNodeParameter('resolveLookupsForMap', LOOKUPS_ALTERNATE_KEYS)));
			if (fields !== null) {
				try {
					item = await resolveLookups(item, { connector: await getConnector(this, dataverseProfile), entity, ...(fields ? { fields } : {}) });
				} catch (error) {
					// The save is waiting for this answer: say why it fails, in the error Dataverse shows the user.
					const message = `Dual-write could not read the lookups of this ${change.entity} change: ${error instanceof Error ? error.message : String(error)}`;
					this.logger.warn(message, { entity: change.entity, key: change.id });
					response.status(error instanceof ChangeEventError ? 400 : 502).json({ message });
					return { noWebhookResponse: true };
				}
			}
		}
		return { workflowData: [this.helpers.returnJsonArray(item as IDataObject)] };
	}
}
