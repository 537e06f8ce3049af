/**
 * `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 10.2.3). F&O and Dataverse send seconds; a
 * gateway in front of them may send a date. Returns milliseconds from `nowMs`, never negative, or undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	// Only date-shaped text: Date.parse would otherwise accept things like "5 apples" on some engines.
	if (!/[A-Za-z]{3}/.test(text)) return undefined;
	const at = Date.parse(text);
	if (Number.isNaN(at)) return undefined;
	return Math.max(0, at - nowMs);
}
