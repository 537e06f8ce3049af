import type { IDataObject, ILoadOptionsFunctions, INodeExecutionData, INodeType, INodeTypeDescription, ITriggerFunctions, ITriggerResponse } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { evaluateRules, followTrips, nextTrips, tripOf, type AlertTrip } from '../../lib/sync';
import { mapOptions } from '../DualWrite/actions/common';
import { sharedStateStore } from '../shared/state';
import { tripItem } from './item';

const SECOND = 1000;

/**
 * Evaluates the alert rules of the state store every few seconds and starts one execution per batch of trips, one
 * item per trip, for any n8n notification node (Send Email, Slack, Teams). A trip's actions (the activity entry, the
 * pause) happen once whichever process evaluates; each Alert Trigger node then emits each trip once, following the
 * activity log from its own position, so two alert workflows both hear of every trip.
 */
export class DualWriteAlertTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dual-Write Alert Trigger',
		name: 'dualWriteAlertTrigger',
		icon: { light: 'file:../../icons/dual-write.svg', dark: 'file:../../icons/dual-write.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'On alert rule trips',
		description: 'Starts a workflow when a dual-write alert rule trips (N failures of a map within a window)',
		defaults: { name: 'Dual-Write Alert Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName:
					'Rules are set with the Dual-Write node (Alert Rule > Set) and apply at once. While this workflow is active it evaluates them every few seconds: a rule that trips is logged, pauses its map if it says so, and arrives here as one item (map, rule, count, window, whether the map was paused, a sample of the failures) for a notification node.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Interval (Seconds)',
						name: 'intervalSeconds',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 3600 },
						default: 15,
						description: 'How often to evaluate the rules',
					},
					{
						displayName: 'Map Names or IDs',
						name: 'maps',
						type: 'multiOptions',
						typeOptions: { loadOptionsMethod: 'getMaps' },
						default: [],
						description:
							'Only trips of these maps start this workflow (all when empty); every rule is still evaluated and acts. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Sample Size',
						name: 'sampleSize',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 100 },
						default: 5,
						description: 'How many of the latest failures each trip carries (key, class, message)',
					},
				],
			},
		],
	};

	methods = {
		loadOptions: {
			async getMaps(this: ILoadOptionsFunctions) {
				return await mapOptions(await sharedStateStore().catch(() => undefined), false);
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const intervalMs = Math.max(1, Number(options.intervalSeconds ?? 15)) * SECOND;
		const maps = Array.isArray(options.maps) ? (options.maps as string[]).filter((map) => map !== '') : [];
		const sampleSize = Math.max(0, Number(options.sampleSize ?? 5));
		const store = await sharedStateStore();
		const emitTrips = (trips: AlertTrip[]) => {
			if (trips.length > 0) this.emit([trips.map((trip): INodeExecutionData => ({ json: tripItem(trip) }))]);
		};
		const wanted = (trip: AlertTrip) => trip.rule?.notify !== false && (maps.length === 0 || maps.includes(trip.map));

		let timer: ReturnType<typeof setInterval> | undefined;
		let running: Promise<void> | undefined;
		const every = (turn: () => Promise<void>) => {
			timer = setInterval(() => {
				if (running) return;
				running = turn().finally(() => (running = undefined));
			}, intervalMs);
		};
		const closeFunction = async () => {
			if (timer) clearInterval(timer);
			await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5 * SECOND))]);
		};

		if (this.getMode() === 'manual') {
			// "Test step": the latest trip right away when there is one (to build the notification with), else the next.
			return {
				manualTriggerFunction: async () => {
					await evaluateRules(store, Date.now(), { sampleSize });
					const recent = (await store.listActivity({ events: ['rule-tripped'], limit: 50 })).items.map(tripOf).filter(wanted);
					if (recent.length > 0) {
						emitTrips([recent[0]]);
						return;
					}
					let position = String((await store.listActivity({ events: ['rule-tripped'], limit: 1 })).items[0]?.id ?? 0);
					every(async () => {
						await evaluateRules(store, Date.now(), { sampleSize });
						const page = await store.listActivity({ events: ['rule-tripped'], order: 'asc', cursor: position });
						if (page.items.length === 0) return;
						position = String(page.items[page.items.length - 1].id);
						const trips = page.items.map(tripOf).filter(wanted);
						if (trips.length > 0) {
							if (timer) clearInterval(timer);
							emitTrips(trips);
						}
					});
				},
				closeFunction,
			};
		}

		// One position per workflow and node: survives restarts, so trips recorded meanwhile are still delivered.
		const consumer = `${this.getWorkflow().id ?? 'workflow'}:${this.getNode().id}`;
		await followTrips(store, consumer);
		let failing = false;
		const turn = async () => {
			try {
				await evaluateRules(store, Date.now(), { sampleSize });
				emitTrips(await nextTrips(store, consumer, { maps }));
				if (failing) this.logger.info('Dual-Write Alert Trigger: working again');
				failing = false;
			} catch (error) {
				// Once per failure streak: a locked or full disk would otherwise log every tick.
				if (!failing) this.logger.warn(`Dual-Write Alert Trigger: ${error instanceof Error ? error.message : String(error)}`);
				failing = true;
			}
		};
		every(turn);
		running = turn().finally(() => (running = undefined));
		return { closeFunction };
	}
}
