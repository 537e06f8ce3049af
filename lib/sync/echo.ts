/**
 * Is an incoming change the echo of our own write? Checked in DESIGN §4's order, cheapest and most exact first:
 *
 * 1. origin tag: our Dataverse writes carry `?tag=<our tag>`, which the webhook hands back in SharedVariables;
 * 2. integration identity: the change was made by our integration app (its Entra object id, or its Dataverse
 *    systemuserid). Opt-in: when people or other automations share that identity, leave the list empty and let
 *    the ledger decide, or their edits would be skipped as echoes;
 * 3. the ledger: the normalised hash (or version) of the event's mapped values equals what we last wrote to that
 *    side (`echo`), or what we last saw from it (`no-change`: a duplicate delivery or a no-op update);
 * 4. otherwise a real change.
 *
 * Every answer carries a human-readable reason, for the envelope's `detail` and the journal.
 */
import type { EnvelopeKey } from './envelope';
import type { CapturedChange } from './events/changeEvent';
import type { StateStore } from '../state/types';

/**
 * The `?tag=` every Dataverse write of ours carries (dual-write mode of the upsert nodes), and the tag the Dataverse
 * trigger treats as "our own write". One constant so that the two cannot drift apart.
 */
export const DUAL_WRITE_ORIGIN_TAG = 'dw-n8n';

/** The part of the state store echo suppression reads; tests pass a real SQLite store. */
export type EchoLedger = Pick<StateStore, 'isEcho'>;

export interface EchoContext {
	/** The tag our writes to Dataverse carry; undefined = tags are not used. */
	ourTag?: string;
	/** Object ids (or systemuserids) of our integration app; empty = no identity rule. */
	integrationIdentities?: readonly string[];
	/** The ledger check: the record's integration key on the change's side and the hash of its mapped values. */
	ledger?: {
		store: EchoLedger;
		map: string;
		key: EnvelopeKey;
		/** `hashRecord(compiled, change.system, record)` of the record the event carries or the trigger read. */
		hash?: string;
		/** The change's version in the form the write recorded (ETag, RowVersion). */
		version?: string;
	};
}

export interface EchoDecision {
	echo: boolean;
	/** Set when the change is to be skipped. */
	decision?: 'echo' | 'no-change';
	by?: 'tag' | 'identity' | 'ledger';
	reason: string;
}

const guid = (id: string) => id.replace(/[{}]/g, '').toLowerCase();

export async function decideEcho(change: CapturedChange, ctx: EchoContext): Promise<EchoDecision> {
	if (change.system === 'dataverse' && ctx.ourTag !== undefined && change.tag === ctx.ourTag) {
		return { echo: true, decision: 'echo', by: 'tag', reason: `the change carries our origin tag "${ctx.ourTag}"` };
	}
	const identities = new Set((ctx.integrationIdentities ?? []).map(guid));
	const initiators = [change.initiatingUserId, change.system === 'dataverse' ? change.initiatingUserObjectId : undefined];
	const ours = initiators.find((id): id is string => id !== undefined && identities.has(guid(id)));
	if (ours !== undefined) {
		return { echo: true, decision: 'echo', by: 'identity', reason: `the change was made by the integration identity ${ours}` };
	}
	const ledger = ctx.ledger;
	if (ledger && (ledger.hash !== undefined || ledger.version !== undefined)) {
		const observed = { ...(ledger.hash !== undefined ? { hash: ledger.hash } : {}), ...(ledger.version !== undefined ? { version: ledger.version } : {}) };
		const verdict = await ledger.store.isEcho(ledger.map, change.system, ledger.key, observed);
		if (verdict.decision) return { echo: verdict.echo, decision: verdict.decision, by: 'ledger', reason: `ledger of map ${ledger.map}: ${verdict.detail}` };
		return { echo: false, reason: `not an echo: ${tagPart(change, ctx)}, not made by the integration identity, ledger: ${verdict.detail}` };
	}
	return { echo: false, reason: `not an echo: ${tagPart(change, ctx)}, not made by the integration identity, no ledger check` };
}

function tagPart(change: CapturedChange, ctx: EchoContext): string {
	if (change.system !== 'dataverse' || ctx.ourTag === undefined) return 'no origin tag to check';
	return change.tag === undefined ? 'no origin tag' : `tag "${change.tag}" is not ours`;
}
