/**
 * Just enough MIME (RFC 2046 multipart, RFC 9112 message) to read OData $batch responses. Servers and proxies
 * differ in details we must tolerate: LF-only line endings, quoted boundaries, extra parameters, preamble and
 * epilogue text, transport padding after a delimiter, `Name:value` without a space.
 */

export interface ContentType {
	/** Lower-case, e.g. `multipart/mixed`. */
	mediaType: string;
	/** Parameter names lower-case, values unquoted. */
	params: Record<string, string>;
}

export function parseContentType(value: string): ContentType {
	const semicolon = value.indexOf(';');
	const mediaType = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
	const params: Record<string, string> = {};
	const paramPattern = /;\s*([^=;\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
	const rest = semicolon < 0 ? '' : value.slice(semicolon);
	for (const match of rest.matchAll(paramPattern)) {
		const quoted = match[3];
		params[match[1].toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : match[2].trim();
	}
	return { mediaType, params };
}

export interface MimePart {
	/** Names lower-case. */
	headers: Record<string, string>;
	/** The lines after the blank line that ends the headers. */
	bodyLines: string[];
}

export function splitLines(text: string): string[] {
	return text.split(/\r?\n/);
}

/**
 * Splits multipart body lines at `--boundary` delimiters. Returns the parts in order, ignoring preamble and
 * epilogue. A missing close delimiter is tolerated (the last part runs to the end) because a server that stopped
 * early may have truncated its response.
 */
export function splitMultipart(lines: readonly string[], boundary: string): MimePart[] {
	const delimiter = `--${boundary}`;
	const close = `${delimiter}--`;
	const parts: MimePart[] = [];
	let current: string[] | undefined;
	for (const rawLine of lines) {
		const line = rawLine.replace(/[ \t]+$/, '');
		if (line === delimiter || line === close) {
			if (current) parts.push(toPart(current));
			current = line === close ? undefined : [];
			if (line === close) break;
			continue;
		}
		current?.push(rawLine);
	}
	if (current) parts.push(toPart(current));
	return parts;
}

function toPart(lines: string[]): MimePart {
	const { headers, next } = parseHeaderLines(lines, 0);
	return { headers, bodyLines: lines.slice(next) };
}

/** Reads `Name: value` lines from `start` up to the first empty line; returns the index after that line. */
export function parseHeaderLines(lines: readonly string[], start: number): { headers: Record<string, string>; next: number } {
	const headers: Record<string, string> = {};
	let lastName: string | undefined;
	let index = start;
	for (; index < lines.length; index++) {
		const line = lines[index];
		if (line.trim() === '') return { headers, next: index + 1 };
		if (/^[ \t]/.test(line) && lastName !== undefined) {
			headers[lastName] += ` ${line.trim()}`;
			continue;
		}
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
		lastName = name;
	}
	return { headers, next: index };
}

export interface HttpMessageResponse {
	status: number;
	statusText: string;
	headers: Record<string, string>;
	body: string;
}

/** Parses an `application/http` part body: status line, headers, body. */
export function parseHttpResponseLines(lines: readonly string[]): HttpMessageResponse {
	let index = 0;
	while (index < lines.length && lines[index].trim() === '') index++;
	const statusLine = lines[index] ?? '';
	const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})(?:\s+(.*))?$/.exec(statusLine.trim());
	if (!match) throw new SyntaxError(`Expected an HTTP status line, got ${JSON.stringify(statusLine.slice(0, 100))}`);
	const { headers, next } = parseHeaderLines(lines, index + 1);
	return {
		status: Number(match[1]),
		statusText: match[2] ?? '',
		headers,
		body: lines.slice(next).join('\n').trim(),
	};
}
