/**
 * The part both filter syntaxes share: `or` binds looser than `and`, `not` and parentheses nest, and the first
 * unsupported token in reading order is the one reported. Each syntax brings its own tokens, its own words for
 * the three connectives (`||`/`&&`/`!` or `or`/`and`/`not`) and its own comparisons.
 */
import { FilterSyntaxError, type FilterExpr } from './expression';

export interface FilterToken {
	kind: string;
	text: string;
	at: number;
}

export class TokenCursor<T extends FilterToken> {
	private position = 0;

	constructor(private readonly tokens: readonly T[]) {}

	peek(offset = 0): T {
		return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)];
	}

	next(): T {
		return this.tokens[this.position++];
	}

	atEnd(): boolean {
		return this.peek().kind === 'end';
	}

	isPunct(text: string): boolean {
		return this.peek().kind === 'punct' && this.peek().text === text;
	}

	expectPunct(text: string): void {
		if (!this.isPunct(text)) this.fail(`'${text}'`);
		this.next();
	}

	fail(expected: string): never {
		const token = this.peek();
		const found = token.kind === 'end' ? 'unexpected end of filter' : `unsupported token ${JSON.stringify(token.text)} at ${token.at}`;
		throw new FilterSyntaxError(`${found}: expected ${expected}`, token.text, token.at);
	}
}

export interface BooleanSyntax<T extends FilterToken> {
	isOr(cursor: TokenCursor<T>): boolean;
	isAnd(cursor: TokenCursor<T>): boolean;
	isNot(cursor: TokenCursor<T>): boolean;
	/** A comparison or function call: everything that is not a connective or parentheses. */
	atom(cursor: TokenCursor<T>): FilterExpr;
}

export function parseBooleanExpression<T extends FilterToken>(tokens: readonly T[], syntax: BooleanSyntax<T>): FilterExpr {
	const cursor = new TokenCursor(tokens);
	const orExpr = (): FilterExpr => {
		let left = andExpr();
		while (syntax.isOr(cursor)) {
			cursor.next();
			left = { op: 'or', left, right: andExpr() };
		}
		return left;
	};
	const andExpr = (): FilterExpr => {
		let left = unary();
		while (syntax.isAnd(cursor)) {
			cursor.next();
			left = { op: 'and', left, right: unary() };
		}
		return left;
	};
	const unary = (): FilterExpr => {
		if (syntax.isNot(cursor)) {
			cursor.next();
			return { op: 'not', operand: unary() };
		}
		if (cursor.isPunct('(')) {
			cursor.next();
			const inner = orExpr();
			cursor.expectPunct(')');
			return inner;
		}
		return syntax.atom(cursor);
	};
	if (cursor.atEnd()) cursor.fail('a filter expression');
	const expr = orExpr();
	if (!cursor.atEnd()) cursor.fail('end of filter');
	return expr;
}
