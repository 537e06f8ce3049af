/**
 * `Prefer` header: comma-separated preferences, values optionally quoted (and quoted values may contain
 * commas: `odata.include-annotations="A,B"`). Several Prefer headers arrive joined by ", ".
 */
export interface Prefer {
	returnRepresentation: boolean;
	maxPageSize?: number;
	annotations?: string;
	trackChanges: boolean;
	continueOnError: boolean;
}

export function parsePrefer(header: string | undefined): Prefer {
	const out: Prefer = { returnRepresentation: false, trackChanges: false, continueOnError: false };
	if (!header) return out;
	const re = /\s*([A-Za-z0-9_.-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/g;
	let m: RegExpExecArray | null;
	while ((m = re.exec(header)) && m[0] !== '') {
		const name = m[1].toLowerCase();
		let value = (m[2] ?? '').trim();
		if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
		if (name === 'return' && value === 'representation') out.returnRepresentation = true;
		else if (name === 'odata.maxpagesize' && /^\d+$/.test(value)) out.maxPageSize = Number(value);
		else if (name === 'odata.include-annotations') out.annotations = value;
		else if (name === 'odata.track-changes') out.trackChanges = true;
		else if (name === 'odata.continue-on-error') out.continueOnError = true;
	}
	return out;
}

/** Matches annotation terms against an include-annotations value (`*`, a list, `Namespace.*`, `-term` excludes). */
export function annotationFilter(value: string | undefined): ((term: string) => boolean) | undefined {
	if (!value) return undefined;
	const patterns = value.split(',').map((p) => p.trim()).filter(Boolean);
	const test = (p: string, term: string) => p === '*' || p === term || (p.endsWith('.*') && term.startsWith(p.slice(0, -1)));
	return (term) => {
		if (patterns.some((p) => p.startsWith('-') && test(p.slice(1), term))) return false;
		return patterns.some((p) => !p.startsWith('-') && test(p, term));
	};
}
