/**
 * Parsed metadata per environment, shared by every connector in the process. $metadata changes only when an
 * environment is redeployed, while real F&O documents run to tens of megabytes: fetching and parsing it per
 * workflow execution would dominate the cost of a small sync. Records are never cached here.
 */

export const DEFAULT_METADATA_TTL_MS = 60 * 60 * 1000;

interface Entry<T> {
	expiresAt: number;
	value: Promise<T>;
}

export class TtlCache<T> {
	private readonly entries = new Map<string, Entry<T>>();

	constructor(private readonly now: () => number = Date.now) {}

	/** Concurrent callers share one load; a failed load is forgotten so the next call tries again. */
	get(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		const entry = this.entries.get(key);
		if (entry && entry.expiresAt > this.now()) return entry.value;
		const value = load();
		const fresh: Entry<T> = { expiresAt: this.now() + ttlMs, value };
		this.entries.set(key, fresh);
		value.catch(() => {
			if (this.entries.get(key) === fresh) this.entries.delete(key);
		});
		return value;
	}

	delete(key: string): void {
		this.entries.delete(key);
	}

	clear(): void {
		this.entries.clear();
	}
}
