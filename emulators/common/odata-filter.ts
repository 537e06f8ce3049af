/**
 * OData `$filter` parser and compiler shared by the F&O and Dataverse emulators.
 *
 * The two services accept different subsets of OData v4, so the dialect is chosen at parse time:
 * - 'fo': eq ne gt ge lt le, and or not, parentheses; `*` inside an eq/ne string literal is a wildcard
 *   (F&O's documented stand-in for contains); enum literals `Microsoft.Dynamics.DataEntities.NoYes'Yes'`.
 *   No functions, no `in`/`has`.
 * - 'dataverse': the same operators plus contains/startswith/endswith, GUID literals and `_x_value`
 *   lookup names; `*` is an ordinary character.
 * Anything else is rejected with an error that names the offending token and its position, because
 * silently ignoring a clause would return wrong rows rather than a clear failure.
 */

export type FilterDialect = 'fo' | 'dataverse';

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FunctionName = 'contains' | 'startswith' | 'endswith';

export type Literal =
	| { type: 'string'; value: string; /** F&O only: the literal contains `*` wildcards. */ wildcard?: boolean }
	| { type: 'number'; value: number; decimal: boolean }
	| { type: 'boolean'; value: boolean }
	| { type: 'null'; value: null }
	| { type: 'datetime'; value: string; ms: number }
	| { type: 'date'; value: string }
	| { type: 'guid'; value: string }
	| { type: 'enum'; value: string; enumName: string; namespace: string };

export type Operand = { kind: 'field'; name: string; pos: number } | { kind: 'literal'; literal: Literal; pos: number };

export type FilterNode =
	| { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
	| { kind: 'not'; operand: FilterNode }
	| { kind: 'compare'; op: CompareOp; left: Operand; right: Operand; pos: number }
	| { kind: 'call'; name: FunctionName; field: Operand & { kind: 'field' }; arg: Operand & { kind: 'literal' }; pos: number };

export class FilterError extends Error {
	constructor(
		message: string,
		readonly position: number,
		readonly token: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}
/** The text is not valid in the dialect (bad token, unsupported operator or function). */
export class FilterSyntaxError extends FilterError {}
/** The text parses but does not fit the entity: unknown field, type mismatch, unknown enum member. */
export class FilterFieldError extends FilterError {}

// ------------------------------------------------------------------------------------------------ tokens

type Token =
	| { t: 'lparen' | 'rparen' | 'comma' | 'end'; pos: number; text: string }
	| { t: 'ident'; pos: number; text: string }
	| { t: 'literal'; pos: number; text: string; literal: Literal };

const GUID_RE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/y;
const DATETIME_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})(?![\w:.])/y;
const DATE_RE = /\d{4}-\d{2}-\d{2}(?![\w:-])/y;
const NUMBER_RE = /-?\d+(\.\d+)?([eE][+-]?\d+)?([mMdDfFlL])?(?![\w.])/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

function matchAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
	re.lastIndex = pos;
	return re.exec(text);
}

function readString(text: string, start: number): { value: string; end: number } {
	let value = '';
	let i = start + 1;
	for (;;) {
		const q = text.indexOf("'", i);
		if (q < 0) throw new FilterSyntaxError(`Unterminated string literal starting at position ${start}.`, start, text.slice(start, start + 20));
		value += text.slice(i, q);
		if (text[q + 1] === "'") {
			value += "'";
			i = q + 2;
		} else return { value, end: q + 1 };
	}
}

function tokenize(text: string, dialect: FilterDialect): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			i++;
			continue;
		}
		const pos = i;
		if (c === '(' || c === ')' || c === ',') {
			tokens.push({ t: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', pos, text: c });
			i++;
			continue;
		}
		if (c === "'") {
			const { value, end } = readString(text, i);
			const wildcard = dialect === 'fo' && value.includes('*');
			tokens.push({ t: 'literal', pos, text: text.slice(pos, end), literal: wildcard ? { type: 'string', value, wildcard } : { type: 'string', value } });
			i = end;
			continue;
		}
		let m = matchAt(GUID_RE, text, i);
		if (m) {
			tokens.push({ t: 'literal', pos, text: m[0], literal: { type: 'guid', value: m[0].toLowerCase() } });
			i += m[0].length;
			continue;
		}
		m = matchAt(DATETIME_RE, text, i);
		if (m) {
			const ms = Date.parse(m[0]);
			if (Number.isNaN(ms)) throw new FilterSyntaxError(`Invalid date/time literal '${m[0]}' at position ${pos}.`, pos, m[0]);
			tokens.push({ t: 'literal', pos, text: m[0], literal: { type: 'datetime', value: m[0], ms } });
			i += m[0].length;
			continue;
		}
		m = matchAt(DATE_RE, text, i);
		if (m) {
			if (Number.isNaN(Date.parse(m[0]))) throw new FilterSyntaxError(`Invalid date literal '${m[0]}' at position ${pos}.`, pos, m[0]);
			tokens.push({ t: 'literal', pos, text: m[0], literal: { type: 'date', value: m[0] } });
			i += m[0].length;
			continue;
		}
		m = matchAt(NUMBER_RE, text, i);
		if (m) {
			const decimal = m[1] !== undefined || m[2] !== undefined || /[mMdDfF]/.test(m[3] ?? '');
			const numText = m[3] ? m[0].slice(0, -1) : m[0];
			tokens.push({ t: 'literal', pos, text: m[0], literal: { type: 'number', value: Number(numText), decimal } });
			i += m[0].length;
			continue;
		}
		m = matchAt(IDENT_RE, text, i);
		if (m) {
			const name = m[0];
			i += name.length;
			// A qualified name directly followed by a quote is an enum literal: Namespace.EnumName'Symbol'.
			if (text[i] === "'" && name.includes('.')) {
				if (dialect !== 'fo') throw new FilterSyntaxError(`Enum literal '${name}'...' at position ${pos} is not supported in this service; use the option value.`, pos, name);
				const { value, end } = readString(text, i);
				const dot = name.lastIndexOf('.');
				tokens.push({ t: 'literal', pos, text: text.slice(pos, end), literal: { type: 'enum', value, enumName: name.slice(dot + 1), namespace: name.slice(0, dot) } });
				i = end;
				continue;
			}
			tokens.push({ t: 'ident', pos, text: name });
			continue;
		}
		throw new FilterSyntaxError(`Syntax error at position ${pos}: unexpected character '${c}'.`, pos, c);
	}
	tokens.push({ t: 'end', pos: text.length, text: '<end of expression>' });
	return tokens;
}

// ------------------------------------------------------------------------------------------------ parser

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ARITHMETIC_OPS = new Set<string>(['add', 'sub', 'mul', 'div', 'divby', 'mod']);
const DATAVERSE_FUNCTIONS = new Set<string>(['contains', 'startswith', 'endswith']);
const KEYWORD_LITERALS: Record<string, Literal> = {
	true: { type: 'boolean', value: true },
	false: { type: 'boolean', value: false },
	null: { type: 'null', value: null },
};

class Parser {
	private i = 0;
	constructor(
		private readonly tokens: Token[],
		private readonly dialect: FilterDialect,
	) {}

	parse(): FilterNode {
		if (this.peek().t === 'end') throw new FilterSyntaxError('The $filter expression is empty.', 0, '');
		const node = this.parseOr();
		const rest = this.peek();
		if (rest.t !== 'end') throw this.unexpected(rest, 'expected and, or, or the end of the expression');
		return node;
	}

	private peek(): Token {
		return this.tokens[this.i];
	}
	private next(): Token {
		return this.tokens[this.i++];
	}
	private isWord(tok: Token, word: string): boolean {
		return tok.t === 'ident' && tok.text.toLowerCase() === word;
	}
	private unexpected(tok: Token, expectation: string): FilterSyntaxError {
		return new FilterSyntaxError(`Syntax error at position ${tok.pos}: unexpected '${tok.text}', ${expectation}.`, tok.pos, tok.text);
	}

	private parseOr(): FilterNode {
		let left = this.parseAnd();
		while (this.isWord(this.peek(), 'or')) {
			this.next();
			left = { kind: 'or', left, right: this.parseAnd() };
		}
		return left;
	}

	private parseAnd(): FilterNode {
		let left = this.parseUnary();
		while (this.isWord(this.peek(), 'and')) {
			this.next();
			left = { kind: 'and', left, right: this.parseUnary() };
		}
		return left;
	}

	private parseUnary(): FilterNode {
		if (this.isWord(this.peek(), 'not')) {
			this.next();
			return { kind: 'not', operand: this.parseUnary() };
		}
		return this.parsePrimary();
	}

	private parsePrimary(): FilterNode {
		const tok = this.peek();
		if (tok.t === 'lparen') {
			this.next();
			const inner = this.parseOr();
			const close = this.next();
			if (close.t !== 'rparen') throw this.unexpected(close, "expected ')'");
			return inner;
		}
		if (tok.t === 'ident' && this.tokens[this.i + 1]?.t === 'lparen') return this.parseCall();
		const left = this.parseOperand();
		const opTok = this.next();
		const op = opTok.t === 'ident' ? opTok.text : '';
		if (!COMPARE_OPS.has(op)) {
			if (ARITHMETIC_OPS.has(op.toLowerCase())) {
				throw new FilterSyntaxError(`Arithmetic operator '${op}' at position ${opTok.pos} is not supported by this emulator.`, opTok.pos, op);
			}
			if (op === 'in' || op === 'has') {
				throw new FilterSyntaxError(`The '${op}' operator at position ${opTok.pos} is not supported by this service.`, opTok.pos, op);
			}
			throw this.unexpected(opTok, 'expected a comparison operator (eq, ne, gt, ge, lt, le)');
		}
		const right = this.parseOperand();
		const wildcard = [left, right].find((o) => o.kind === 'literal' && o.literal.type === 'string' && o.literal.wildcard);
		if (wildcard && op !== 'eq' && op !== 'ne') {
			throw new FilterSyntaxError(`Wildcard '*' at position ${wildcard.pos} is only allowed in a string compared with eq or ne.`, wildcard.pos, '*');
		}
		return { kind: 'compare', op: op as CompareOp, left, right, pos: opTok.pos };
	}

	private parseCall(): FilterNode {
		const nameTok = this.next();
		const name = nameTok.text;
		if (this.dialect !== 'dataverse' || !DATAVERSE_FUNCTIONS.has(name)) {
			const hint = this.dialect === 'fo' && DATAVERSE_FUNCTIONS.has(name.toLowerCase()) ? " Use a '*' wildcard inside an eq string literal instead, e.g. Name eq '*text*'." : '';
			throw new FilterSyntaxError(`Function '${name}' at position ${nameTok.pos} is not supported by this service.${hint}`, nameTok.pos, name);
		}
		this.next();
		const field = this.parseOperand();
		if (field.kind !== 'field') throw new FilterSyntaxError(`The first argument of ${name} at position ${field.pos} must be a property name.`, field.pos, name);
		const comma = this.next();
		if (comma.t !== 'comma') throw this.unexpected(comma, "expected ','");
		const arg = this.parseOperand();
		if (arg.kind !== 'literal' || arg.literal.type !== 'string') throw new FilterSyntaxError(`The second argument of ${name} at position ${arg.pos} must be a string literal.`, arg.pos, name);
		const close = this.next();
		if (close.t !== 'rparen') throw this.unexpected(close, "expected ')'");
		return { kind: 'call', name: name as FunctionName, field, arg, pos: nameTok.pos };
	}

	private parseOperand(): Operand {
		const tok = this.next();
		if (tok.t === 'literal') return { kind: 'literal', literal: tok.literal, pos: tok.pos };
		if (tok.t === 'ident') {
			const keyword = KEYWORD_LITERALS[tok.text];
			if (keyword) return { kind: 'literal', literal: keyword, pos: tok.pos };
			if (tok.text.includes('.')) throw this.unexpected(tok, 'expected a property name or a literal');
			if (tok.text.startsWith('_') && this.dialect !== 'dataverse') throw this.unexpected(tok, 'expected a property name or a literal');
			if (this.tokens[this.i]?.t === 'lparen') throw new FilterSyntaxError(`Function '${tok.text}' at position ${tok.pos} is not allowed here.`, tok.pos, tok.text);
			return { kind: 'field', name: tok.text, pos: tok.pos };
		}
		throw this.unexpected(tok, 'expected a property name or a literal');
	}
}

export function parseFilter(text: string, dialect: FilterDialect): FilterNode {
	return new Parser(tokenize(text, dialect), dialect).parse();
}

// ------------------------------------------------------------------------------------------------ compiler

export type FilterFieldType = 'string' | 'int' | 'decimal' | 'boolean' | 'datetime' | 'date' | 'guid' | 'enum';

export interface FieldInfo {
	type: FilterFieldType;
	/** For 'enum': the EnumType name (e.g. NoYes) and its member symbols. */
	enumName?: string;
	enumMembers?: readonly string[];
	/** Reads the value from a record; defaults to `record[name]`. */
	get?: (record: Record<string, unknown>) => unknown;
}

export interface CompileOptions {
	/** String comparisons ignore case, as SQL Server's default collation does for both services. Default true. */
	caseInsensitive?: boolean;
}

export type RecordPredicate = (record: Record<string, unknown>) => boolean;
type Getter = (record: Record<string, unknown>) => unknown;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileFilter(node: FilterNode, resolveField: (name: string) => FieldInfo | undefined, options: CompileOptions = {}): RecordPredicate {
	const ci = options.caseInsensitive ?? true;
	const fold = ci ? (s: string) => s.toLowerCase() : (s: string) => s;

	const field = (o: Operand & { kind: 'field' }): { info: FieldInfo; get: Getter } => {
		const info = resolveField(o.name);
		if (!info) throw new FilterFieldError(`Could not find a property named '${o.name}' (position ${o.pos}).`, o.pos, o.name);
		return { info, get: info.get ?? ((r) => r[o.name]) };
	};

	const compile = (n: FilterNode): RecordPredicate => {
		switch (n.kind) {
			case 'and': {
				const l = compile(n.left);
				const r = compile(n.right);
				return (rec) => l(rec) && r(rec);
			}
			case 'or': {
				const l = compile(n.left);
				const r = compile(n.right);
				return (rec) => l(rec) || r(rec);
			}
			case 'not': {
				const o = compile(n.operand);
				return (rec) => !o(rec);
			}
			case 'call':
				return compileCall(n);
			case 'compare':
				return compileCompare(n);
		}
	};

	const compileCall = (n: Extract<FilterNode, { kind: 'call' }>): RecordPredicate => {
		const { info, get } = field(n.field);
		if (info.type !== 'string') throw new FilterFieldError(`${n.name} at position ${n.pos} needs a string property; '${n.field.name}' is ${info.type}.`, n.pos, n.name);
		const needle = fold(n.arg.literal.value as string);
		const test =
			n.name === 'contains' ? (s: string) => s.includes(needle) : n.name === 'startswith' ? (s: string) => s.startsWith(needle) : (s: string) => s.endsWith(needle);
		return (rec) => {
			const v = get(rec);
			return typeof v === 'string' && test(fold(v));
		};
	};

	const compileCompare = (n: Extract<FilterNode, { kind: 'compare' }>): RecordPredicate => {
		let { left, right } = n;
		let op = n.op;
		if (left.kind === 'literal' && right.kind === 'field') {
			[left, right] = [right, left];
			op = ({ eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const)[op];
		}
		if (left.kind === 'literal' && right.kind === 'literal') {
			const result = compareValues(op, literalValue(left.literal, undefined, fold), literalValue(right.literal, undefined, fold));
			return () => result;
		}
		if (left.kind === 'field' && right.kind === 'field') {
			const a = field(left);
			const b = field(right);
			if (a.info.type !== b.info.type) throw new FilterFieldError(`Cannot compare '${left.name}' (${a.info.type}) with '${right.name}' (${b.info.type}).`, n.pos, op);
			const norm = normaliser(a.info.type, fold);
			return (rec) => compareValues(op, norm(a.get(rec)), norm(b.get(rec)));
		}
		const f = left as Operand & { kind: 'field' };
		const lit = (right as Operand & { kind: 'literal' }).literal;
		const { info, get } = field(f);
		checkLiteralFits(info, f.name, lit, op, (right as Operand).pos);
		if (lit.type === 'string' && lit.wildcard) {
			const re = new RegExp(`^${lit.value.split('*').map(escapeRegExp).join('[\\s\\S]*')}$`, ci ? 'i' : '');
			const negate = op === 'ne';
			return (rec) => {
				const v = get(rec);
				const hit = typeof v === 'string' && re.test(v);
				return negate ? !hit : hit;
			};
		}
		const norm = normaliser(info.type, fold);
		const target = literalValue(lit, info, fold);
		return (rec) => compareValues(op, norm(get(rec)), target);
	};

	return compile(node);
}

type Comparable = string | number | boolean | null;

function normaliser(type: FilterFieldType, fold: (s: string) => string): (v: unknown) => Comparable {
	switch (type) {
		case 'string':
			return (v) => (typeof v === 'string' ? fold(v) : v === undefined || v === null ? null : fold(String(v)));
		case 'guid':
			return (v) => (typeof v === 'string' ? v.toLowerCase() : null);
		case 'datetime':
			return (v) => {
				if (typeof v !== 'string' && typeof v !== 'number') return null;
				const ms = typeof v === 'number' ? v : Date.parse(v);
				return Number.isNaN(ms) ? null : ms;
			};
		case 'date':
			return (v) => (typeof v === 'string' ? v.slice(0, 10) : null);
		case 'int':
		case 'decimal':
			return (v) => (typeof v === 'number' ? v : v === undefined || v === null ? null : Number(v));
		case 'boolean':
			return (v) => (typeof v === 'boolean' ? v : v === undefined || v === null ? null : Boolean(v));
		case 'enum':
			return (v) => (v === undefined || v === null ? null : String(v));
	}
}

function literalValue(lit: Literal, info: FieldInfo | undefined, fold: (s: string) => string): Comparable {
	switch (lit.type) {
		case 'string':
			return info?.type === 'guid' ? lit.value.toLowerCase() : fold(lit.value);
		case 'datetime':
			return info?.type === 'date' ? lit.value.slice(0, 10) : lit.ms;
		case 'date':
			return info?.type === 'datetime' ? Date.parse(`${lit.value}T00:00:00Z`) : lit.value;
		default:
			return lit.value;
	}
}

const LITERAL_FITS: Record<FilterFieldType, ReadonlyArray<Literal['type']>> = {
	string: ['string'],
	int: ['number'],
	decimal: ['number'],
	boolean: ['boolean'],
	datetime: ['datetime', 'date'],
	date: ['date', 'datetime'],
	guid: ['guid', 'string'],
	enum: ['enum'],
};

function checkLiteralFits(info: FieldInfo, name: string, lit: Literal, op: CompareOp, pos: number): void {
	if (lit.type === 'null') return;
	if (info.type === 'enum') {
		if (op !== 'eq' && op !== 'ne') throw new FilterFieldError(`Enum property '${name}' can only be compared with eq or ne (position ${pos}).`, pos, op);
		if (lit.type !== 'enum') {
			throw new FilterFieldError(
				`Property '${name}' is an enum (${info.enumName ?? 'enum'}); compare it with an enum literal such as Microsoft.Dynamics.DataEntities.${info.enumName ?? 'EnumName'}'${info.enumMembers?.[0] ?? 'Symbol'}' (position ${pos}).`,
				pos,
				name,
			);
		}
		if (info.enumName && lit.enumName !== info.enumName) {
			throw new FilterFieldError(`Enum literal of type '${lit.enumName}' at position ${pos} does not match property '${name}' of enum type '${info.enumName}'.`, pos, lit.enumName);
		}
		if (info.enumMembers && !info.enumMembers.includes(lit.value)) {
			throw new FilterFieldError(`'${lit.value}' at position ${pos} is not a member of enum '${info.enumName ?? ''}'. Members: ${info.enumMembers.join(', ')}.`, pos, lit.value);
		}
		return;
	}
	if (!LITERAL_FITS[info.type].includes(lit.type)) {
		throw new FilterFieldError(`A binary operator with incompatible types was detected at position ${pos}: property '${name}' is ${info.type}, the literal is ${lit.type}.`, pos, name);
	}
	if (info.type === 'int' && lit.type === 'number' && !Number.isInteger(lit.value)) {
		throw new FilterFieldError(`Property '${name}' is an integer; literal ${lit.value} at position ${pos} is not.`, pos, String(lit.value));
	}
}

function compareValues(op: CompareOp, a: Comparable, b: Comparable): boolean {
	switch (op) {
		case 'eq':
			return a === b;
		case 'ne':
			return a !== b;
		default: {
			// Ordering against null is unknown in SQL, hence false.
			if (a === null || b === null) return false;
			if (op === 'gt') return a > b;
			if (op === 'ge') return a >= b;
			if (op === 'lt') return a < b;
			return a <= b;
		}
	}
}
