/**
 * The webhook triggers' half of live sync in "journal" mode (DESIGN §5): a delivery is authenticated by the node,
 * parsed here and appended to the journal as a change of one map and direction, and acknowledged without starting an
 * execution; the Dual-Write Trigger's loop claims the journaled changes in batches and pays n8n's per-execution cost
 * once per batch.
 *
 * A journal entry needs only the record's key: the loop reads the current record before mapping it, so a stale,
 * partial or out-of-order delivery still syncs the values the source holds now. Duplicated deliveries are harmless:
 * the journal de-duplicates by (map, source system, event id), and the event id is the delivery's own
 * (F&O: ControlNumber, shared by every endpoint and both formats; Dataverse: the system job's OperationId).
 *
 * Nothing here reads the network; parse failures are `ChangeEventError`s naming what is wrong, never values.
 */
import type { SyncDirection } from '../../maps';
import type { NewChange, StateStore } from '../../state';
import { decideEcho } from '../echo';
import type { ChangeType, EnvelopeKey } from '../envelope';
import type { CapturedChange, DataverseCapturedChange, FoCapturedChange } from '../events/changeEvent';
import { parseDataverseWebhook, type DataverseWebhookOptions, type WebhookDelivery } from '../events/dataverseWebhook';
import { parseFoEvent, type FoDelivery, type FoEventEntity } from '../events/foEvent';

export interface DeliveryJournalOptions {
	/** The map whose journal the change goes to (its id, as the Dual-Write Trigger claims it). */
	map: string;
	/** Change types the trigger watches; a delivery of another type is acknowledged and not journaled. Default all. */
	events?: readonly ChangeType[];
}

export interface FoDeliveryJournalOptions extends DeliveryJournalOptions {
	/** The entity's public collection and natural key (the field list may be empty: the key is all the journal needs). */
	entity: FoEventEntity;
}

export interface DataverseDeliveryJournalOptions extends DeliveryJournalOptions, DataverseWebhookOptions {
	/** The table's primary id column (`accountid`): the journal key is `{<primaryId>: id}`. */
	primaryId: string;
	/** Our origin tag: a delivery carrying it is our own write, recorded as skipped (`echo`). Undefined = no tag check. */
	ourTag?: string;
}

export type DeliveryJournalResult<C extends CapturedChange = CapturedChange> =
	/** Appended as pending: the loop will sync it. */
	| { outcome: 'journaled'; id: number; change: C }
	/** The journal already holds this event id for the map: nothing new. */
	| { outcome: 'duplicate'; id: number; change: C }
	/** A change type the trigger does not watch: not journaled. */
	| { outcome: 'not-watched'; change: C }
	/** Our own write coming back: journaled as skipped with its reason, so lineage shows it (or already was). */
	| { outcome: 'echo'; id: number; duplicate: boolean; reason: string; change: C };

/** Direction of the journal entries each system's deliveries make. */
export const WEBHOOK_DIRECTION = { fo: 'fo->dataverse', dataverse: 'dataverse->fo' } as const satisfies Record<CapturedChange['system'], SyncDirection>;

function newChange(map: string, change: CapturedChange, key: EnvelopeKey): NewChange {
	return {
		map,
		direction: WEBHOOK_DIRECTION[change.system],
		change: change.change,
		source: {
			entity: change.entity,
			key,
			eventId: change.eventId,
			...(change.at !== undefined ? { at: change.at } : {}),
			...(change.version !== undefined ? { version: change.version } : {}),
		},
	};
}

const watched = (options: DeliveryJournalOptions, change: ChangeType) => options.events === undefined || options.events.includes(change);

/** Parses an F&O data event or business event and journals it as a change F&O → Dataverse keyed by the natural key. */
export async function journalFoDelivery(
	store: Pick<StateStore, 'append'>,
	delivery: FoDelivery,
	options: FoDeliveryJournalOptions,
): Promise<DeliveryJournalResult<FoCapturedChange>> {
	const change = parseFoEvent(delivery, options.entity);
	if (!watched(options, change.change)) return { outcome: 'not-watched', change };
	const [result] = (await store.append([newChange(options.map, change, change.key)])).results;
	return { outcome: result.duplicate ? 'duplicate' : 'journaled', id: result.id, change };
}

/**
 * Parses a Dataverse webhook delivery and journals it as a change Dataverse → F&O keyed by the primary id. Our own
 * writes (the origin tag) are recorded as skipped before they could be claimed.
 */
export async function journalDataverseDelivery(
	store: Pick<StateStore, 'append'>,
	delivery: WebhookDelivery,
	options: DataverseDeliveryJournalOptions,
): Promise<DeliveryJournalResult<DataverseCapturedChange>> {
	const change = parseDataverseWebhook(delivery, options);
	if (!watched(options, change.change)) return { outcome: 'not-watched', change };
	const entry = newChange(options.map, change, { [options.primaryId]: change.id });
	if (options.ourTag !== undefined) {
		const echo = await decideEcho(change, { ourTag: options.ourTag });
		if (echo.echo) {
			const [result] = (await store.append([{ ...entry, status: 'skipped', decision: 'echo', detail: echo.reason }])).results;
			return { outcome: 'echo', id: result.id, duplicate: result.duplicate, reason: echo.reason, change };
		}
	}
	const [result] = (await store.append([entry])).results;
	return { outcome: result.duplicate ? 'duplicate' : 'journaled', id: result.id, change };
}
