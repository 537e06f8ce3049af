/**
 * A small XML reader for CSDL documents, so lib/ needs no XML dependency. It builds a plain element tree with
 * namespace prefixes dropped (CSDL is read by local names: `edmx:Edmx`, `Schema`, ...), attributes in any order
 * and quote style, self-closing tags, comments, processing instructions and CDATA. It does not validate
 * namespaces or DTDs: $metadata is machine-written, and a document we cannot balance is rejected.
 */

export interface XmlElement {
	/** Local name, prefix removed. */
	name: string;
	/** Attributes by local name (`xmlns` declarations are dropped). */
	attributes: Record<string, string>;
	children: XmlElement[];
	/** Concatenated character data directly inside this element (entities decoded). */
	text: string;
}

const TOKEN =
	/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE(?:[^>[]|\[[\s\S]*?\])*>|<\/\s*([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export class XmlSyntaxError extends SyntaxError {
	constructor(message: string) {
		super(message);
		this.name = 'XmlSyntaxError';
	}
}

export function decodeXmlEntities(text: string): string {
	return text.replace(ENTITY, (_match, hex: string | undefined, decimal: string | undefined, named: string | undefined) => {
		if (named) return NAMED[named];
		return String.fromCodePoint(parseInt(hex ?? decimal ?? '0', hex ? 16 : 10));
	});
}

const localName = (qualified: string): string => qualified.slice(qualified.indexOf(':') + 1);

function parseAttributes(text: string): Record<string, string> {
	const attributes: Record<string, string> = {};
	for (const match of text.matchAll(ATTRIBUTE)) {
		const name = match[1];
		if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
		attributes[localName(name)] = decodeXmlEntities(match[2] ?? match[3] ?? '');
	}
	return attributes;
}

/** Returns the document element. */
export function parseXml(xml: string): XmlElement {
	const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
	const stack: Array<{ element: XmlElement; qualified: string }> = [{ element: root, qualified: '' }];
	let position = 0;
	const addText = (raw: string, decode: boolean) => {
		if (raw.trim() === '') return;
		stack[stack.length - 1].element.text += decode ? decodeXmlEntities(raw) : raw;
	};
	for (const match of xml.matchAll(TOKEN)) {
		const index = match.index ?? 0;
		const between = xml.slice(position, index);
		if (between.includes('<')) throw new XmlSyntaxError(`Malformed markup near offset ${position + between.indexOf('<')}`);
		addText(between, true);
		position = index + match[0].length;
		const [, cdata, closing, opening, attributeText, selfClosing] = match;
		if (cdata !== undefined) addText(cdata, false);
		else if (closing !== undefined) {
			const open = stack.pop();
			if (!open || open.element === root || open.qualified !== closing) {
				throw new XmlSyntaxError(`Unexpected </${closing}> at offset ${index}${open && open.element !== root ? ` (open element: <${open.qualified}>)` : ''}`);
			}
		} else if (opening !== undefined) {
			const element: XmlElement = { name: localName(opening), attributes: parseAttributes(attributeText ?? ''), children: [], text: '' };
			stack[stack.length - 1].element.children.push(element);
			if (selfClosing !== '/') stack.push({ element, qualified: opening });
		}
	}
	const rest = xml.slice(position);
	if (rest.includes('<')) throw new XmlSyntaxError(`Malformed markup near offset ${position + rest.indexOf('<')}`);
	if (stack.length > 1) throw new XmlSyntaxError(`Unclosed element <${stack[stack.length - 1].qualified}>`);
	const documentElement = root.children[0];
	if (!documentElement || root.children.length > 1) throw new XmlSyntaxError('An XML document needs exactly one root element');
	return documentElement;
}

export const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((child) => child.name === name);

export function* descendantsNamed(element: XmlElement, name: string): Generator<XmlElement> {
	for (const child of element.children) {
		if (child.name === name) yield child;
		yield* descendantsNamed(child, name);
	}
}
