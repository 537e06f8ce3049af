/**
 * Dataverse source filters ("reversed source filter"): the OData `$filter` subset dual-write documents —
 * `eq ne gt ge lt le and or not`, `startswith`/`contains`/`endswith`, `null`, literals as lib/odata reads them,
 * columns of the table itself only (no `/` paths: nested lookups are not supported, reference §1.3).
 */
import { parseLiteral } from '../../odata';
import { parseBooleanExpression, type TokenCursor } from './booleanGrammar';
import { FilterSyntaxError, type Comparison, type FilterExpr, type FilterValue } from './expression';

type Token = { kind: 'punct' | 'word' | 'literal'; text: string; at: number } | { kind: 'end'; text: ''; at: number };

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'contains', 'endswith']);

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (/\s/.test(c)) {
			i++;
			continue;
		}
		if (c === '(' || c === ')' || c === ',') {
			tokens.push({ kind: 'punct', text: c, at: i });
			i++;
			continue;
		}
		if (c === "'") {
			let j = i + 1;
			for (;;) {
				if (j >= text.length) throw new FilterSyntaxError(`unterminated string starting at ${i}`, text.slice(i), i);
				if (text[j] === "'") {
					if (text[j + 1] === "'") j += 2;
					else break;
				} else j++;
			}
			tokens.push({ kind: 'literal', text: text.slice(i, j + 1), at: i });
			i = j + 1;
			continue;
		}
		// A bare run: a column, a keyword, or a number/date/GUID literal (which may contain '-', ':', '.', '+').
		const word = /^[A-Za-z0-9_.:+/-]+/.exec(text.slice(i));
		if (word) {
			const isLiteralShaped = /^[-+]?\d/.test(word[0]) || /^[0-9a-fA-F]{8}-/.test(word[0]);
			tokens.push({ kind: isLiteralShaped ? 'literal' : 'word', text: word[0], at: i });
			i += word[0].length;
			continue;
		}
		const rest = /^\S+/.exec(text.slice(i))?.[0] ?? c;
		throw new FilterSyntaxError(`unsupported token ${JSON.stringify(rest)} at ${i}`, rest, i);
	}
	tokens.push({ kind: 'end', text: '', at: text.length });
	return tokens;
}

function literalValue(token: Token): FilterValue {
	if (token.kind === 'word' && (token.text === 'true' || token.text === 'false' || token.text === 'null')) {
		return token.text === 'null' ? null : token.text === 'true';
	}
	const parsed = safeParseLiteral(token.text);
	if (!parsed) throw new FilterSyntaxError(`unsupported literal ${JSON.stringify(token.text)} at ${token.at}`, token.text, token.at);
	const { type, value } = parsed;
	if (type === 'Edm.Date') return { date: value as string };
	if (typeof value === 'bigint') return Number(value);
	if (value instanceof Date) return value.toISOString();
	if (typeof type === 'object') return { symbol: value as string };
	return value as string | number | boolean | null;
}

function safeParseLiteral(text: string): ReturnType<typeof parseLiteral> | undefined {
	try {
		return parseLiteral(text);
	} catch {
		return undefined;
	}
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isWord = (cursor: TokenCursor<Token>, word: string) => cursor.peek().kind === 'word' && cursor.peek().text.toLowerCase() === word;

export function parseODataFilter(text: string): FilterExpr {
	return parseBooleanExpression(tokenize(text), {
		isOr: (c) => isWord(c, 'or'),
		isAnd: (c) => isWord(c, 'and'),
		isNot: (c) => isWord(c, 'not'),
		atom,
	});
}

function column(cursor: TokenCursor<Token>): string {
	const token = cursor.peek();
	if (token.kind !== 'word') return cursor.fail('a column name');
	if (!COLUMN.test(token.text)) {
		throw new FilterSyntaxError(
			`unsupported column path ${JSON.stringify(token.text)} at ${token.at}: filters name the table's own columns`,
			token.text,
			token.at,
		);
	}
	cursor.next();
	return token.text;
}

/** A string function call or a comparison of a column with a literal. */
function atom(cursor: TokenCursor<Token>): FilterExpr {
	const head = cursor.peek();
	if (head.kind === 'word' && cursor.peek(1).text === '(') {
		const name = head.text.toLowerCase();
		if (!FUNCTIONS.has(name)) {
			throw new FilterSyntaxError(`unsupported function ${JSON.stringify(head.text)} at ${head.at} (supported: startswith, contains, endswith)`, head.text, head.at);
		}
		cursor.next();
		cursor.next();
		const field = column(cursor);
		cursor.expectPunct(',');
		const pattern = cursor.peek();
		if (pattern.kind !== 'literal' || !pattern.text.startsWith("'")) cursor.fail('a quoted string');
		cursor.next();
		cursor.expectPunct(')');
		return { op: 'match', how: name as 'startswith' | 'contains' | 'endswith', field, pattern: literalValue(pattern) as string };
	}
	const field = column(cursor);
	const operator = cursor.peek();
	if (operator.kind !== 'word' || !COMPARISONS.has(operator.text.toLowerCase())) {
		if (operator.kind === 'end') cursor.fail(`a comparison (eq ne gt ge lt le) after ${field}`);
		throw new FilterSyntaxError(
			`unsupported operator ${JSON.stringify(operator.text)} at ${operator.at} (supported: eq ne gt ge lt le)`,
			operator.text,
			operator.at,
		);
	}
	cursor.next();
	const value = cursor.peek();
	if (value.kind !== 'literal' && value.kind !== 'word') cursor.fail(`a value after ${field} ${operator.text}`);
	if (value.kind === 'word' && !['true', 'false', 'null'].includes(value.text)) {
		throw new FilterSyntaxError(`unsupported value ${JSON.stringify(value.text)} at ${value.at}: compare a column with a literal`, value.text, value.at);
	}
	cursor.next();
	return { op: 'compare', comparison: operator.text.toLowerCase() as Comparison, field, value: literalValue(value) };
}
