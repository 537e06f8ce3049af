import { randomUUID } from 'node:crypto';
import type { Caller } from '../common/http';
import type { Prefer } from './prefer';
import { Schema } from './schema';
import { Store, Tx } from './store';
import type { TableDef } from './tables/types';

/**
 * The emulator's state and per-request context. Everything that handles a request receives the Engine
 * (tables, rows, settings, identities) and a RequestContext (caller, transaction, correlation, depth,
 * tag, bypass switches, batch Content-ID references).
 */
export interface Settings {
	webhookTimeoutMs: number;
	/** Default and maximum page size (Dataverse: 5,000). */
	maxPageSize: number;
	/** Largest accepted request body. */
	maxBodyBytes: number;
	/** Plug-in depth at which a call is treated as an infinite loop (Dataverse: 8). */
	maxDepth: number;
	/** `Organization.ExpireChangeTrackingInDays` (default 7): older change-tracking tokens have expired. */
	expireChangeTrackingInDays: number;
}

export interface ContentIdRef {
	table: string;
	id: string;
	/** Absolute `OData-EntityId` URL. */
	url: string;
}

export interface RequestContext {
	caller: Caller;
	/** `v9.0`, `v9.1` or `v9.2`, as the client addressed it: echoed in URLs we hand back. */
	version: string;
	prefer: Prefer;
	correlationId: string;
	depth: number;
	tag?: string;
	bypassSync: boolean;
	bypassAsync: boolean;
	bypassStepIds: Set<string>;
	/** Set while running inside a change set: writes join it instead of committing on their own. */
	tx?: Tx;
	contentIds?: Map<string, ContentIdRef>;
}

export const ORGANIZATION_ID = '7c3f1e2a-9b4d-4f6e-8a1c-2d3e4f5a6b7c';
export const BUSINESS_UNIT_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

export class Engine {
	readonly schema: Schema;
	store: Store;
	readonly settings: Settings;
	readonly orgName: string;
	/** App ids whose application user is disabled (-> 403 "not a member of the organization"). */
	readonly disabledApps = new Set<string>();
	/** Correlation ids with a webhook delivery in flight -> the depth that delivery reported. */
	readonly inFlight = new Map<string, { depth: number; count: number }>();

	constructor(
		readonly baseUrl: string,
		settings: Partial<Settings> = {},
		defs?: TableDef[],
	) {
		this.schema = new Schema(defs);
		this.store = new Store(this.schema);
		this.settings = { webhookTimeoutMs: 60_000, maxPageSize: 5000, maxBodyBytes: 128 * 1024 * 1024, maxDepth: 8, expireChangeTrackingInDays: 7, ...settings };
		this.orgName = new URL(baseUrl).hostname.split('.')[0] || 'emulator';
	}

	apiRoot(ctx: { version: string }): string {
		return `${this.baseUrl}/api/data/${ctx.version}`;
	}

	entityUrl(ctx: { version: string }, set: string, id: string): string {
		return `${this.apiRoot(ctx)}/${set}(${id})`;
	}

	/** Runs `fn` in the context's transaction, or in a new one that commits on success and rolls back on error. */
	async inTx<T>(ctx: RequestContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
		if (ctx.tx) return fn(ctx.tx);
		const tx = new Tx();
		return fn(tx).then(
			(out) => {
				tx.commit();
				return out;
			},
			(e: unknown) => {
				tx.rollback();
				throw e;
			},
		);
	}

	newId(): string {
		return randomUUID();
	}
}
