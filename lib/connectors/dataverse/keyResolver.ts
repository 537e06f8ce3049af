/**
 * Keys as the map engine writes them: a lookup inside an alternate key is a dotted path
 * (`msdyn_company.cdm_companycode`), because the F&O side knows the company code, not the row's GUID. Dataverse
 * addresses such a key by the lookup's `_<nav>_value` GUID, so each dotted group is read from the referenced table
 * by its own alternate key (itself possibly dotted: a customer group is keyed by group id and company).
 *
 * Referenced rows (companies, groups, currencies) are few and hot: a batch of 1,000 accounts names one company
 * 1,000 times. Resolutions are shared per scope (one batch, one call) and reused per connector for a short TTL;
 * a row that was not found is remembered only within its scope, because the next sync round may well have
 * created it (dependency order, two passes).
 */
import { ODataError, type ODataValue } from '../../odata';
import type { KeyScope } from '../shared/baseConnector';
import { usageError } from '../shared/errors';
import { candidateKeys } from '../shared/keys';
import type { EntityInfo, RecordKey } from '../types';
import { lookupField, type Describe } from './lookups';

export const DEFAULT_LOOKUP_CACHE_TTL_MS = 60_000;
const COMPANY_COLUMN = '_msdyn_company_value';
const COMPANY_NAVIGATION = 'msdyn_company';

/** A referenced row that does not exist, by the (dotted) key parts that named it. */
interface Missing {
	entity: string;
	parts: Array<[string, ODataValue]>;
}

type Resolution = { id: string } | { missing: Missing };
type Resolved = { key: RecordKey } | { missing: Missing };

export interface KeyResolverDeps {
	describe: Describe;
	/** The primary id of the row with this key (no dotted parts left), or undefined when there is none. */
	readId(entity: EntityInfo, key: RecordKey): Promise<string | undefined>;
	ttlMs: number;
}

/** The record a resolution is for, and the lookup path from it to the key being resolved (`msdyn_customergroupid.`). */
export interface Origin {
	entity: EntityInfo;
	key: RecordKey;
	path: string;
}

export const hasDottedParts = (key: RecordKey): boolean => Object.keys(key).some((part) => part.includes('.'));

export class LookupKeyResolver {
	private readonly cache = new Map<string, { expires: number; resolution: Promise<Resolution> }>();

	constructor(private readonly deps: KeyResolverDeps) {}

	/**
	 * The key with every dotted group replaced by its lookup column's GUID; a key without dots comes back as it is.
	 * `origin` names the record being written when `key` is a lookup's key (errors then name the lookup's path).
	 */
	async resolveKey(entity: EntityInfo, key: RecordKey, scope: KeyScope = new Map(), origin?: Origin): Promise<RecordKey> {
		if (!hasDottedParts(key)) return key;
		const resolved = await this.resolveParts(entity, key, scope);
		if ('missing' in resolved) throw notFound(origin ?? { entity, key, path: '' }, resolved.missing);
		return resolved.key;
	}

	/** The primary id of the row `key` names in `entity` (dotted parts allowed); throws naming the key when there is none. */
	async rowId(entity: EntityInfo, key: RecordKey, scope: KeyScope = new Map(), origin?: Origin): Promise<string> {
		const primary = key[entity.key[0]];
		if (Object.keys(key).length === 1 && typeof primary === 'string') return primary;
		const resolution = await this.lookUp(entity, key, scope);
		if ('missing' in resolution) throw notFound(origin ?? { entity, key, path: '' }, resolution.missing);
		return resolution.id;
	}

	private async resolveParts(entity: EntityInfo, key: RecordKey, scope: KeyScope): Promise<Resolved> {
		const out: RecordKey = {};
		const groups = new Map<string, RecordKey>();
		for (const [part, value] of Object.entries(key)) {
			const dot = part.indexOf('.');
			if (dot < 0) out[part] = value;
			else groups.set(part.slice(0, dot), { ...(groups.get(part.slice(0, dot)) ?? {}), [part.slice(dot + 1)]: value });
		}
		for (const [navigation, subKey] of groups) {
			const { column, target } = await this.referenced(entity, navigation);
			if (out[column] !== undefined) {
				throw usageError({ system: 'dataverse', entity: entity.name, key }, `the key names ${column} twice: as a GUID and through ${navigation}.*`);
			}
			const targetKey = withInheritedCompany(target, subKey, key);
			const resolution = await this.lookUp(target, targetKey, scope);
			if ('missing' in resolution) return { missing: { entity: resolution.missing.entity, parts: resolution.missing.parts.map(([part, value]) => [`${navigation}.${part}`, value]) } };
			out[column] = resolution.id;
		}
		return { key: out };
	}

	private async referenced(entity: EntityInfo, navigation: string): Promise<{ column: string; target: EntityInfo }> {
		const field = lookupField(entity, navigation);
		if (!field?.lookup) {
			const known = entity.fields.flatMap((candidate) => (candidate.lookup ? [candidate.lookup.navigationProperty] : []));
			throw usageError({ system: 'dataverse', entity: entity.name }, `'${navigation}' in a dotted key part is not a lookup of ${entity.name}; its lookups are ${known.join(', ') || 'none'}`);
		}
		if (field.lookup.targets.length !== 1) {
			throw usageError(
				{ system: 'dataverse', entity: entity.name },
				`${navigation} can point to ${field.lookup.targets.join(' or ')}: a dotted key part needs a lookup with one target table`,
			);
		}
		return { column: field.name, target: await this.deps.describe(field.lookup.targets[0]) };
	}

	/** Shared by everything in the scope, then by the connector for the TTL (found rows only). */
	private lookUp(target: EntityInfo, key: RecordKey, scope: KeyScope): Promise<Resolution> {
		const cacheKey = `${target.name} ${stableKey(key)}`;
		const shared = scope.get(cacheKey) as Promise<Resolution> | undefined;
		if (shared) return shared;
		const now = Date.now();
		const cached = this.cache.get(cacheKey);
		let resolution: Promise<Resolution>;
		if (cached && cached.expires > now) resolution = cached.resolution;
		else {
			resolution = this.read(target, key, scope);
			const entry = { expires: now + this.deps.ttlMs, resolution };
			if (this.deps.ttlMs > 0) this.cache.set(cacheKey, entry);
			const forget = () => {
				if (this.cache.get(cacheKey) === entry) this.cache.delete(cacheKey);
			};
			resolution.then((settled) => ('missing' in settled ? forget() : undefined), forget);
		}
		scope.set(cacheKey, resolution);
		return resolution;
	}

	private async read(target: EntityInfo, key: RecordKey, scope: KeyScope): Promise<Resolution> {
		const resolved = await this.resolveParts(target, key, scope);
		if ('missing' in resolved) return resolved;
		const id = await this.deps.readId(target, resolved.key);
		return id === undefined ? { missing: { entity: target.name, parts: Object.entries(key) } } : { id };
	}
}

/**
 * Dual-write stripes lookups by company: a company-specific row looks up rows of its own company. So a dotted
 * group that names only the referenced row's own key field (`salesorderid.msdyn_salesordernumber`) is read in
 * the company the outer key names, when the group alone is not a key of the referenced table.
 */
function withInheritedCompany(target: EntityInfo, subKey: RecordKey, outer: RecordKey): RecordKey {
	if (!target.companySpecific || isCandidate(target, subKey)) return subKey;
	const company = Object.entries(outer).filter(([part]) => part === COMPANY_COLUMN || part.startsWith(`${COMPANY_NAVIGATION}.`));
	if (company.length === 0 || Object.keys(subKey).some((part) => part === COMPANY_COLUMN || part.startsWith(`${COMPANY_NAVIGATION}.`))) return subKey;
	return { ...subKey, ...Object.fromEntries(company) };
}

function isCandidate(entity: EntityInfo, key: RecordKey): boolean {
	const columns = new Set(
		Object.keys(key).map((part) => {
			const dot = part.indexOf('.');
			return dot < 0 ? part : (lookupField(entity, part.slice(0, dot))?.name ?? part);
		}),
	);
	return candidateKeys(entity).some((fields) => fields.length === columns.size && fields.every((field) => columns.has(field)));
}

function stableKey(key: RecordKey): string {
	return JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const literal = (value: ODataValue): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** In the words of dual-write's "The lookup was not found", with the parts and values that named the row. */
function notFound(origin: Origin, missing: Missing): ODataError {
	const parts = missing.parts.map(([part, value]) => `${origin.path}${part} = ${literal(value)}`).join(', ');
	return new ODataError({
		system: 'dataverse',
		entity: origin.entity.name,
		...(Object.keys(origin.key).length > 0 ? { key: origin.key } : {}),
		transient: false,
		detail: `Couldn't resolve the lookup ${parts}: no ${missing.entity} row has that ${missing.parts.length > 1 ? 'key' : 'value'}`,
	});
}
