/**
 * The Dataverse side of a row, parsed once: a plain column, a lookup written as `nav.keyField`, or a polymorphic
 * lookup `nav.Type(keyField).Type(keyField)` (reference §1.2). Reading an expanded record and naming the bind
 * both follow from this shape, so nothing else in the engine splits strings.
 */

export interface PolymorphicTarget {
	/** Type name as written in the path (`Account`). */
	type: string;
	/** Alternate-key column of that type holding the F&O value (`accountnumber`). */
	keyField: string;
	/**
	 * Single-valued navigation property per target: the Web API splits a polymorphic lookup into `<nav>_<type>`
	 * (`customerid_account`), used both to `$expand` it and to `@odata.bind` it.
	 */
	navigation: string;
}

export type ColumnPath =
	| { kind: 'column'; column: string }
	| { kind: 'lookup'; navigation: string; keyField: string }
	| { kind: 'polymorphic'; navigation: string; targets: PolymorphicTarget[] };

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const COLUMN = new RegExp(`^${NAME}$`);
const LOOKUP = new RegExp(`^(${NAME})\\.(${NAME})$`);
const POLYMORPHIC_HEAD = new RegExp(`^(${NAME})\\.`);
const POLYMORPHIC_TARGET = new RegExp(`^(${NAME})\\((${NAME})\\)(?:\\.|$)`);

export type ParsedPath = { ok: true; path: ColumnPath } | { ok: false; polymorphic: boolean; reason: string };

export function parseColumnPath(text: string): ParsedPath {
	if (COLUMN.test(text)) return { ok: true, path: { kind: 'column', column: text } };
	const lookup = LOOKUP.exec(text);
	if (lookup) return { ok: true, path: { kind: 'lookup', navigation: lookup[1], keyField: lookup[2] } };
	if (!text.includes('(')) {
		return { ok: false, polymorphic: false, reason: `expected a column name or <lookup>.<keyField>, got ${JSON.stringify(text)}` };
	}
	const head = POLYMORPHIC_HEAD.exec(text);
	if (!head) return { ok: false, polymorphic: true, reason: `expected <lookup>.<Type>(<keyField>)..., got ${JSON.stringify(text)}` };
	const navigation = head[1];
	const targets: PolymorphicTarget[] = [];
	let rest = text.slice(head[0].length);
	while (rest !== '') {
		const target = POLYMORPHIC_TARGET.exec(rest);
		if (!target) {
			return { ok: false, polymorphic: true, reason: `expected <Type>(<keyField>) at ${JSON.stringify(rest)} in ${JSON.stringify(text)}` };
		}
		if (targets.some((known) => known.type.toLowerCase() === target[1].toLowerCase())) {
			return { ok: false, polymorphic: true, reason: `target ${target[1]} appears twice in ${JSON.stringify(text)}` };
		}
		targets.push({ type: target[1], keyField: target[2], navigation: `${navigation}_${target[1].toLowerCase()}` });
		rest = rest.slice(target[0].length);
		if (target[0].endsWith('.') && rest === '') {
			return { ok: false, polymorphic: true, reason: `trailing '.' in ${JSON.stringify(text)}` };
		}
	}
	if (targets.length < 2) {
		return { ok: false, polymorphic: true, reason: `a polymorphic lookup names at least two targets, got ${JSON.stringify(text)}` };
	}
	return { ok: true, path: { kind: 'polymorphic', navigation, targets } };
}

/**
 * A dotted path read from a record as a reader returns it: expanded (`{nav: {keyField: v}}`), or flattened by
 * whoever built the item (`{'nav.keyField': v}`). `undefined` = not present at all (not selected/expanded).
 */
export function readPath(record: Readonly<Record<string, unknown>>, navigation: string, keyField: string): unknown {
	const expanded = record[navigation];
	if (expanded !== undefined) {
		if (expanded === null) return null;
		if (typeof expanded === 'object') return (expanded as Record<string, unknown>)[keyField] ?? null;
	}
	return record[`${navigation}.${keyField}`];
}
