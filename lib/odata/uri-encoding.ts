/**
 * Percent-encoding shared by keys.ts (path segments) and query.ts (query values). Each keeps the characters that
 * are legal where they go and that make URLs readable in logs, and encodes everything else as UTF-8 octets.
 */

// RFC 3986 pchar minus nothing: unreserved, sub-delims, ':' and '@'. '%', '/', '?', '#' and space are not in it.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;
// A query value must also encode '&', '=', '+' (read as a space by form decoders), ';' and '#'.
const QUERY_SAFE = /[A-Za-z0-9\-._~!$'()*,:@/]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function encodeWith(text: string, safe: RegExp): string {
	if (LONE_SURROGATE.test(text)) {
		throw new TypeError(`Cannot URL-encode a string with an unpaired UTF-16 surrogate: ${JSON.stringify(text)}`);
	}
	let out = '';
	for (const char of text) {
		if (safe.test(char)) out += char;
		else {
			for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
		}
	}
	return out;
}

export function encodePathSegmentText(text: string): string {
	return encodeWith(text, PATH_SAFE);
}

export function encodeQueryText(text: string): string {
	return encodeWith(text, QUERY_SAFE);
}

export function percentDecode(text: string): string {
	let decoded: string | undefined;
	try {
		decoded = decodeURIComponent(text);
	} catch {
		decoded = undefined;
	}
	if (decoded === undefined) throw new URIError(`Malformed percent-encoding in ${JSON.stringify(text)}`);
	return decoded;
}
