/**
 * F&O source filters: the X++ query-range expression subset dual-write maps use (reference §1.3):
 * `((PartyType == "Organization"))`, `(name like "A*")`, `!`, `&&`, `||`, `==` (and `=`, as Microsoft's own
 * CDS Contacts V2 map writes it), `!=`, `<`, `<=`, `>`, `>=`, enum values `Type::Value`, dates `23\06\2021`.
 * Anything else is rejected with the token named, rather than guessed at.
 */
import { parseBooleanExpression, type TokenCursor } from './booleanGrammar';
import { FilterSyntaxError, type Comparison, type FilterExpr, type FilterValue } from './expression';

type Token =
	| { kind: 'punct'; text: string; at: number }
	| { kind: 'name'; text: string; at: number }
	| { kind: 'value'; text: string; value: FilterValue; at: number }
	| { kind: 'end'; text: ''; at: number };

const OPERATORS: Record<string, Comparison> = { '==': 'eq', '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (/\s/.test(c)) {
			i++;
			continue;
		}
		const two = text.slice(i, i + 2);
		if (two === '&&' || two === '||' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
			tokens.push({ kind: 'punct', text: two, at: i });
			i += 2;
			continue;
		}
		if ('()!<>='.includes(c)) {
			tokens.push({ kind: 'punct', text: c, at: i });
			i++;
			continue;
		}
		if (c === '"' || c === "'") {
			let j = i + 1;
			let value = '';
			while (j < text.length && text[j] !== c) {
				if (text[j] === '\\' && j + 1 < text.length) j++;
				value += text[j];
				j++;
			}
			if (j >= text.length) throw new FilterSyntaxError(`unterminated string starting at ${i}`, text.slice(i), i);
			tokens.push({ kind: 'value', text: text.slice(i, j + 1), value, at: i });
			i = j + 1;
			continue;
		}
		const date = /^(\d{1,2})\\(\d{1,2})\\(\d{4})/.exec(text.slice(i));
		if (date) {
			const [, day, month, year] = date;
			const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
			const check = new Date(`${iso}T00:00:00Z`);
			if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== iso) {
				throw new FilterSyntaxError(`${date[0]} is not a calendar date (day\\month\\year)`, date[0], i);
			}
			tokens.push({ kind: 'value', text: date[0], value: { date: iso }, at: i });
			i += date[0].length;
			continue;
		}
		const number = /^-?\d+(\.\d+)?(?![\w\\])/.exec(text.slice(i));
		if (number) {
			tokens.push({ kind: 'value', text: number[0], value: Number(number[0]), at: i });
			i += number[0].length;
			continue;
		}
		const symbol = /^([A-Za-z_]\w*)::([A-Za-z_]\w*)/.exec(text.slice(i));
		if (symbol) {
			tokens.push({ kind: 'value', text: symbol[0], value: { symbol: symbol[2] }, at: i });
			i += symbol[0].length;
			continue;
		}
		const name = /^[A-Za-z_]\w*/.exec(text.slice(i));
		if (name) {
			tokens.push({ kind: 'name', text: name[0], at: i });
			i += name[0].length;
			continue;
		}
		// Left to the parser, so that the first unsupported token in reading order is the one reported.
		tokens.push({ kind: 'punct', text: c, at: i });
		i++;
	}
	tokens.push({ kind: 'end', text: '', at: text.length });
	return tokens;
}

export function parseFoRange(text: string): FilterExpr {
	return parseBooleanExpression(tokenize(text), {
		isOr: (c) => c.isPunct('||'),
		isAnd: (c) => c.isPunct('&&'),
		isNot: (c) => c.isPunct('!'),
		atom: comparison,
	});
}

function comparison(cursor: TokenCursor<Token>): FilterExpr {
	const field = cursor.peek();
	if (field.kind !== 'name') return cursor.fail('a field name');
	cursor.next();
	const operator = cursor.peek();
	if (operator.kind === 'name' && operator.text.toLowerCase() === 'like') {
		cursor.next();
		const pattern = cursor.peek();
		if (pattern.kind !== 'value' || typeof pattern.value !== 'string') return cursor.fail('a quoted like pattern');
		cursor.next();
		return { op: 'match', how: 'like', field: field.text, pattern: pattern.value };
	}
	const comparisonOp = operator.kind === 'punct' ? OPERATORS[operator.text] : undefined;
	if (!comparisonOp) return cursor.fail(`a comparison (== != < <= > >= like) after ${field.text}`);
	cursor.next();
	const value = cursor.peek();
	if (value.kind === 'name' && (value.text === 'true' || value.text === 'false')) {
		cursor.next();
		return { op: 'compare', comparison: comparisonOp, field: field.text, value: value.text === 'true' };
	}
	if (value.kind !== 'value') return cursor.fail(`a value after ${field.text} ${operator.text}`);
	cursor.next();
	return { op: 'compare', comparison: comparisonOp, field: field.text, value: value.value };
}
