import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type ILoadOptionsFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { newWebhookSecret, secretMatches } from '../../lib/connectors';
import {
	FO_EVENT_SECRET_HEADER,
	FoEventEndpointRegistrar,
	foEventSignature,
	type FoEventFormat,
	type FoEventMessage,
} from '../../lib/connectors/fo/eventEndpoints';
import { ChangeEventError, foEventEntity, foTriggerItem, journalFoDelivery, parseFoEvent, type ChangeType, type FoDelivery } from '../../lib/sync';
import { foProfile } from '../DynamicsFo/profile';
import { entityLocator } from '../shared/actions/common';
import { toNodeError } from '../shared/helpers/errors';
import { journalMapOf, journalMapOptions, modeProperties, type TriggerMode } from '../shared/helpers/journalMode';
import { nodeMethods } from '../shared/methods';
import { sharedStateStore } from '../shared/state';
import { environmentUrl, getConnector, n8nTransport } from '../shared/transport';

const DIRECTION = 'fo->dataverse';

/** How the endpoint comes to exist: the emulator's admin API on activation, or an administrator in F&O's catalog. */
type Registration = 'emulator' | 'catalog';

/** What an activation set up, kept in the node's workflow static data (n8n saves it after create/delete). */
interface RegistrationData {
	endpointId?: string;
	secret?: string;
	signature?: string;
	/** Public collection as `$metadata` spells it, and its natural key: all the journal needs of a delivery. */
	entity?: string;
	key?: string[];
}

const MESSAGE_CHANGE: Record<FoEventMessage, ChangeType> = { Create: 'create', Update: 'update', Delete: 'delete' };

/** A secret an administrator types into F&O; shorter ones are too easy to guess. */
const MIN_SECRET_LENGTH = 16;

interface Settings {
	url: string;
	entity: string;
	messages: FoEventMessage[];
	registration: Registration;
	format: FoEventFormat;
	legalEntity: string;
}

function settingsOf(context: IHookFunctions): Settings {
	const entity = String(context.getNodeParameter('entity', undefined, { extractValue: true }) ?? '').trim();
	const messages = context.getNodeParameter('events', []) as FoEventMessage[];
	if (!entity) throw new NodeOperationError(context.getNode(), 'Choose the entity to watch');
	if (messages.length === 0) throw new NodeOperationError(context.getNode(), 'Choose at least one event');
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n did not give this node a webhook URL');
	const registration = context.getNodeParameter('registration', 'catalog') as Registration;
	const emulator = registration === 'emulator';
	return {
		url,
		entity,
		messages,
		registration,
		format: emulator ? (context.getNodeParameter('format', 'dataEvent') as FoEventFormat) : 'dataEvent',
		legalEntity: emulator ? String(context.getNodeParameter('legalEntity', '') ?? '').trim().toLowerCase() : '',
	};
}

function signatureOf(settings: Settings): string {
	return foEventSignature(settings);
}

/** The secret of catalog registration, which the administrator entered in F&O too. */
function catalogSecret(context: IHookFunctions): string {
	const secret = String(context.getNodeParameter('secret', '') ?? '');
	if (secret.length < MIN_SECRET_LENGTH) {
		throw new NodeOperationError(context.getNode(), `Enter a secret of at least ${MIN_SECRET_LENGTH} characters`, {
			description: `F&O sends it in the ${FO_EVENT_SECRET_HEADER} header of every delivery; enter the same value in the endpoint in the business events catalog`,
		});
	}
	return secret;
}

async function registrar(context: IHookFunctions): Promise<FoEventEndpointRegistrar> {
	return new FoEventEndpointRegistrar({
		environmentUrl: await environmentUrl(context, foProfile.credentialName),
		transport: n8nTransport(context, foProfile.credentialName),
	});
}

function clear(data: IDataObject): void {
	for (const name of Object.keys(data)) delete data[name];
}

export class DynamicsFoDualWriteTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'F&O (Dual-Write) Trigger',
		name: 'dynamicsFoDualWriteTrigger',
		icon: { light: 'file:../../icons/dynamics-fo.svg', dark: 'file:../../icons/dynamics-fo.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"].join(", ") + " of " + $parameter["entity"].value }}',
		description: 'Receives Dynamics 365 F&O data events and business events: journals them for the Dual-Write Trigger, or starts the workflow',
		defaults: { name: 'F&O Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: foProfile.credentialName, required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'F&O delivers each change of the entity to this node’s URL; every delivery must carry the secret in the x-dw-n8n-secret header, others get 401. In journal mode a change is appended to the map’s journal and answered at once; a Dual-Write Trigger (same map, F&O → Dataverse) syncs it. A change delivered twice (same ControlNumber, from any endpoint or format) is journaled once, and changes delivered out of order are harmless: the Dual-Write Trigger reads each record’s current values before it syncs them.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName:
					'Real F&O has no API to register endpoints: an administrator adds an HTTPS endpoint in the business events catalog (System administration > Setup > Business events) with this node’s production URL and the header x-dw-n8n-secret set to the Secret below, then activates the entity’s data events (or a business event) for it.',
				name: 'catalogNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { registration: ['catalog'] } },
			},
			{ ...entityLocator(foProfile), description: 'The public collection to watch (e.g. CustomersV3), as listed in $metadata' },
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{ name: 'Create', value: 'Create', description: 'A record was created' },
					{ name: 'Delete', value: 'Delete', description: 'A record was deleted' },
					{ name: 'Update', value: 'Update', description: 'A record was updated' },
				],
				default: ['Create', 'Update', 'Delete'],
				description: 'Deliveries of other changes are acknowledged and ignored',
			},
			...modeProperties(DIRECTION, {
				executionName: 'Start an Execution per Event',
				executionDescription: 'Start one execution per delivery, with the record’s fields and the change under "fo" (low latency, ad-hoc flows)',
				default: 'journal',
			}),
			{
				displayName: 'Endpoint Registration',
				name: 'registration',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'In the Business Events Catalog (Real F&O)',
						value: 'catalog',
						description: 'An administrator registers this node’s URL and secret in F&O',
					},
					{
						name: 'Automatically (F&O Emulator)',
						value: 'emulator',
						description: 'Register an endpoint with a fresh secret through the emulator’s admin API on activation, remove it on deactivation',
					},
				],
				default: 'catalog',
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				required: true,
				displayOptions: { show: { registration: ['catalog'] } },
				description: `The value F&O sends in the ${FO_EVENT_SECRET_HEADER} header (at least ${MIN_SECRET_LENGTH} characters); enter the same in the endpoint in F&O`,
			},
			{
				displayName: 'Event Format',
				name: 'format',
				type: 'options',
				options: [
					{ name: 'Data Events', value: 'dataEvent', description: 'The record’s fields in a RemoteExecutionContext' },
					{ name: 'Business Events', value: 'businessEvent', description: 'A notification with the record’s key' },
				],
				default: 'dataEvent',
				displayOptions: { show: { registration: ['emulator'] } },
			},
			{
				displayName: 'Legal Entity',
				name: 'legalEntity',
				type: 'string',
				default: '',
				placeholder: 'e.g. usmf',
				displayOptions: { show: { registration: ['emulator'] } },
				description: 'Only changes in this company (dataAreaId). Empty: every company.',
			},
		],
	};

	methods = {
		listSearch: nodeMethods(foProfile).listSearch,
		loadOptions: {
			async getJournalMaps(this: ILoadOptionsFunctions) {
				return journalMapOptions(DIRECTION);
			},
		},
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData & IDataObject;
				if (!data.secret) return false;
				const settings = settingsOf(this);
				const current = data.signature === signatureOf(settings);
				if (settings.registration === 'catalog') {
					if (current && data.secret === catalogSecret(this)) return true;
				} else if (data.endpointId) {
					try {
						const client = await registrar(this);
						if (current && (await client.exists(data.endpointId))) return true;
						// Changed settings, or an endpoint someone removed: drop what is left and register again.
						await client.unregister(data.endpointId);
					} catch (error) {
						throw toNodeError(this.getNode(), error, 0);
					}
				}
				clear(data);
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData & IDataObject;
				const settings = settingsOf(this);
				const mode = this.getNodeParameter('mode', 'journal') as TriggerMode;
				const secret = settings.registration === 'catalog' ? catalogSecret(this) : newWebhookSecret();
				try {
					const entity = await (await getConnector(this, foProfile)).describe(settings.entity);
					// A wrong map fails the activation, not every delivery.
					if (mode === 'journal') journalMapOf(this.getNode(), (name, fallback) => this.getNodeParameter(name, fallback), DIRECTION, entity.name);
					let endpointId: string | undefined;
					if (settings.registration === 'emulator') {
						const endpoint = await (await registrar(this)).register({
							url: settings.url,
							secret,
							entity: entity.name,
							format: settings.format,
							messages: settings.messages,
							legalEntity: settings.legalEntity,
						});
						endpointId = endpoint.id;
					}
					clear(data);
					Object.assign(data, {
						...(endpointId !== undefined ? { endpointId } : {}),
						secret,
						signature: signatureOf(settings),
						entity: entity.name,
						key: [...entity.key],
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
						await (await registrar(this)).unregister(data.endpointId);
					} catch (error) {
						// Keep the id: the next activation's checkExists or create sweeps the endpoint up.
						this.logger.warn('F&O trigger: could not remove the event endpoint', {
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
		if (!secretMatches(this.getHeaderData()[FO_EVENT_SECRET_HEADER], data.secret)) {
			response.status(401).json({ message: 'Unauthorized' });
			return { noWebhookResponse: true };
		}
		const node = this.getNode();
		const entityName = data.entity ?? String(this.getNodeParameter('entity', undefined, { extractValue: true }));
		const events = (this.getNodeParameter('events', []) as FoEventMessage[]).map((message) => MESSAGE_CHANGE[message]);
		const delivery: FoDelivery = { headers: this.getHeaderData(), body: this.getBodyData() };
		const refuse = (error: unknown): IWebhookResponseData => {
			// F&O retries a failed delivery the same way; one it cannot parse would fail again, so 400 and the reason.
			if (!(error instanceof ChangeEventError)) throw new NodeOperationError(node, error as Error);
			response.status(400).json({ message: error.message });
			return { noWebhookResponse: true };
		};

		if ((this.getNodeParameter('mode', 'journal') as TriggerMode) === 'journal') {
			const map = journalMapOf(node, (name, fallback) => this.getNodeParameter(name, fallback), DIRECTION, data.entity);
			if (!data.key) throw new NodeOperationError(node, 'The trigger was not activated: its static data holds no entity key');
			try {
				await journalFoDelivery(await sharedStateStore(), delivery, { map, events, entity: { name: entityName, key: data.key, fields: [] } });
			} catch (error) {
				return refuse(error);
			}
			return { webhookResponse: 'OK' };
		}

		let change;
		try {
			const info = await (await getConnector(this, foProfile)).describe(entityName);
			change = parseFoEvent(delivery, foEventEntity(info));
		} catch (error) {
			if (error instanceof ChangeEventError) return refuse(error);
			throw toNodeError(node, error, 0);
		}
		if (!events.includes(change.change)) return { webhookResponse: 'OK' };
		return { workflowData: [this.helpers.returnJsonArray(foTriggerItem(change) as unknown as IDataObject)] };
	}
}
