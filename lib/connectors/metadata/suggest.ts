/** "Did you mean" for entity and field names people type into node parameters. */

function distance(a: string, b: string): number {
	let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		previous = current;
	}
	return previous[b.length];
}

/** Up to `max` candidates, closest first: same letters in another case, containment, then small edit distance. */
export function closeMatches(wanted: string, candidates: readonly string[], max = 3): string[] {
	const target = wanted.toLowerCase();
	if (target === '') return [];
	const scored = candidates
		.map((candidate) => {
			const lower = candidate.toLowerCase();
			if (lower === target) return { candidate, score: 0 };
			if (lower.includes(target) || target.includes(lower)) return { candidate, score: 1 + Math.abs(lower.length - target.length) / 100 };
			const edits = distance(target, lower);
			return { candidate, score: edits <= Math.max(2, Math.floor(target.length / 3)) ? 2 + edits : Infinity };
		})
		.filter((entry) => entry.score !== Infinity)
		.sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate));
	return scored.slice(0, max).map((entry) => entry.candidate);
}
