import {
	NodeConnectionTypes,
	type IDataObject,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IRun,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { loadPublishedMap, runCycle, type CompiledMapSource, type EnvelopedItem } from '../../lib/sync';
import { dataverseProfile } from '../DataverseDualWrite/profile';
import { foProfile } from '../DynamicsFo/profile';
import { CUSTOM, properties as mapProperties } from '../DualWriteMap/description';
import { directionOptions, mapOptions, prepareMap } from '../DualWriteMap/prepare';
import { sharedStateStore } from '../shared/state';
import { getConnector } from '../shared/transport';
import { pollingCapture, type CaptureMode } from './capture';

const SECOND = 1000;
/** How soon a turn retries while the map's other direction has its batch in flight. */
const BUSY_RETRY_MS = 100;

/** The map and direction parameters of the Map node (without its overrides, which only change the mapping). */
const mapParameters = mapProperties.filter((property) => ['map', 'mapJson', 'direction'].includes(property.name));

export class DualWriteTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dual-Write Trigger',
		name: 'dualWriteTrigger',
		icon: { light: 'file:../../icons/dynamics-fo.svg', dark: 'file:../../icons/dynamics-fo.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["map"] + ": " + $parameter["direction"] }}',
		description:
			'Live sync of one dual-write map and direction: captures the source’s changes every few seconds and starts one execution per batch (connect a Dual-Write Map node and an upsert node)',
		defaults: { name: 'Dual-Write Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: foProfile.credentialName, required: true, displayOptions: { show: { direction: ['fo->dataverse'] } } },
			{ name: dataverseProfile.credentialName, required: true, displayOptions: { show: { direction: ['dataverse->fo'] } } },
		],
		properties: [
			{
				displayName:
					'Each execution carries a batch of changed source records (read fresh, lookups expanded) with the dualWrite envelope. Connect: Dual-Write Map (same map and direction) → the target’s upsert node with “Values From: Dual-Write Envelope”. Changes are journaled in the state store; our own writes, repeats and stale events are skipped there, failures are retried with backoff.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...mapParameters,
			{
				displayName: 'Capture Changes By',
				name: 'capture',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Polling the Source',
						value: 'poll',
						description: 'Dataverse change tracking (deletes included) or the F&O modified-time field, every few seconds',
					},
					{
						name: 'Webhook Triggers Only',
						value: 'journal',
						description: 'Only hand over the changes the F&O or Dataverse (Dual-Write) webhook triggers journal for this map',
					},
				],
				default: 'poll',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Batch Size',
						name: 'batchSize',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 5000 },
						default: 500,
						description: 'Most changes per execution',
					},
					{
						displayName: 'Interval (Seconds)',
						name: 'intervalSeconds',
						type: 'number',
						typeOptions: { minValue: 0.25, maxValue: 3600, numberPrecision: 2 },
						default: 2,
						description: 'How often to look for changes (n8n’s own polling floor of one minute is too slow for live sync)',
					},
					{
						displayName: 'Lease (Minutes)',
						name: 'leaseMinutes',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 1440 },
						default: 10,
						description: 'How long one execution may take before its batch is handed out again',
					},
					{
						displayName: 'Modified-Time Field (F&O)',
						name: 'modifiedField',
						type: 'string',
						default: 'ModifiedDateTime',
						description: 'The F&O entity field polling compares (the entity must expose it)',
					},
				],
			},
		],
	};

	methods = {
		loadOptions: {
			async getMaps() {
				return mapOptions();
			},
			async getDirections(this: ILoadOptionsFunctions) {
				const map = this.getCurrentNodeParameter('map') as string;
				return directionOptions(map, map === CUSTOM ? this.getCurrentNodeParameter('mapJson') : undefined);
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const node = this.getNode();
		const { compiled: own, direction } = prepareMap(node, (name, fallback) => this.getNodeParameter(name, fallback));
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const batchSize = Number(options.batchSize ?? 500);
		const intervalMs = Math.max(250, Number(options.intervalSeconds ?? 2) * SECOND);
		const leaseMs = Math.max(1, Number(options.leaseMinutes ?? 10)) * 60 * SECOND;
		const modifiedField = String(options.modifiedField ?? 'ModifiedDateTime').trim() || 'ModifiedDateTime';
		const mode = this.getNodeParameter('capture', 'poll') as CaptureMode;
		const profile = direction === 'fo->dataverse' ? foProfile : dataverseProfile;
		const [store, source] = await Promise.all([sharedStateStore(), getConnector(this, profile)]);
		// The Map node publishes the map it runs (with its overrides); reading with it keeps the trigger's hashes equal
		// to the ones the upsert recorded, so echo suppression compares like with like.
		const compiledMap: CompiledMapSource = async () => (await loadPublishedMap(store, own.id).catch(() => undefined)) ?? own;
		const capture = mode === 'poll' ? pollingCapture(source, own, direction, modifiedField, batchSize) : undefined;

		const emit = async (items: EnvelopedItem[]) => {
			const done = this.helpers.createDeferredPromise<IRun>();
			this.logger.debug(`Dual-Write Trigger ${own.id} ${direction}: emitting ${items.length} items`);
			this.emit([items.map((json): INodeExecutionData => ({ json: json as unknown as IDataObject }))], undefined, done);
			let timer: NodeJS.Timeout | undefined;
			// An execution that never reports back (lost by a crashed worker) must not stop the loop for good.
			const expired = new Promise<never>((_resolve, reject) => {
				timer = setTimeout(() => reject(new Error(`no end reported within the lease (${leaseMs / 60_000} min)`)), leaseMs);
			});
			try {
				const run = await Promise.race([done.promise, expired]);
				this.logger.debug(`Dual-Write Trigger ${own.id} ${direction}: execution ended (${run?.status ?? 'no run data'})`);
				const error = run?.data?.resultData?.error;
				return error ? { ok: false, reason: error.message } : { ok: true };
			} catch (error) {
				return { ok: false, reason: error instanceof Error ? error.message : String(error) };
			} finally {
				clearTimeout(timer);
			}
		};

		if (this.getMode() === 'manual') {
			// "Test step" / "Execute workflow" in the editor: one turn, so the user sees a real batch.
			return {
				manualTriggerFunction: async () => {
					await runCycle({ store, source, compiled: await compiledMap(), direction, capture, batchSize, leaseMs, emit });
				},
			};
		}

		// This node is the only claimer of its map and direction: a batch in flight now was left by a process that
		// stopped or crashed mid-batch. Hand it out again instead of waiting for its lease to run out.
		const orphaned = await store.releaseInFlight(own.id, direction);
		if (orphaned > 0) await store.logActivity(own.id, 'batch-released', { direction, changes: orphaned, reason: 'left in flight by a stopped trigger' });

		let stopped = false;
		let running: Promise<void> | undefined;
		let timer: NodeJS.Timeout | undefined;
		let failing = false;
		let capturedAt = 0;
		/** One turn; resolves to the wait before the next one. */
		const turn = async (): Promise<number> => {
			try {
				const started = Date.now();
				// The source is polled once per interval; in between, turns only drain what is journaled.
				const captureNow = started - capturedAt >= intervalMs;
				if (captureNow) capturedAt = started;
				const compiled = await compiledMap();
				const result = await runCycle({ store, source, compiled, direction, capture: captureNow ? capture : undefined, batchSize, leaseMs, emit });
				if (result.emitted + result.settled + result.captured > 0) {
					this.logger.debug(`Dual-Write Trigger ${own.id} ${direction}: ${JSON.stringify(result)} in ${Date.now() - started} ms`);
				}
				if (failing) this.logger.info(`Dual-Write Trigger ${own.id} ${direction}: working again`);
				failing = false;
				// A batch just ended: more may be waiting. The other direction's batch in flight: it is our turn next,
				// and waiting a whole interval for it would add that interval to every change's latency.
				if (result.emitted + result.settled > 0) return 0;
				if (result.blocked === 'busy') return Math.min(intervalMs, BUSY_RETRY_MS);
				return Math.max(0, intervalMs - (Date.now() - started));
			} catch (error) {
				// Logged once per failure streak (a Dataverse outage would log every few seconds otherwise); the
				// journal keeps every change, so the next turn resumes where this one stopped.
				if (!failing) {
					this.logger.warn(`Dual-Write Trigger ${own.id} ${direction}: ${error instanceof Error ? error.message : String(error)}`);
					await store.logActivity(own.id, 'trigger-failed', { direction, message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
				}
				failing = true;
				return intervalMs;
			}
		};
		const next = (delay: number) => {
			if (stopped) return;
			timer = setTimeout(() => {
				running = turn().then((wait) => {
					running = undefined;
					next(wait);
				});
			}, delay);
		};
		next(0);
		if (!(await store.getMapState(own.id))) await store.setMapState(own.id, 'running', `${direction} trigger activated`);

		return {
			closeFunction: async () => {
				stopped = true;
				clearTimeout(timer);
				// A batch in flight keeps its lease; if n8n stops before it ends, the next start re-claims it.
				await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5 * SECOND))]);
			},
		};
	}
}
