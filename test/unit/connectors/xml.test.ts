import { parseXml, XmlSyntaxError } from '../../../lib/connectors/metadata/xml';

describe('parseXml', () => {
	it('reads attributes in any order and quote style, self-closing tags and prefixed names', () => {
		const root = parseXml(
			`<?xml version="1.0"?><!-- c --><edmx:Edmx xmlns:edmx="urn:x"><a:B  Name='n1'
				Type="T" /><B Type='T2' Name="n2"></B></edmx:Edmx>`,
		);
		expect(root.name).toBe('Edmx');
		expect(root.attributes).toEqual({});
		expect(root.children.map((child) => [child.name, child.attributes])).toEqual([
			['B', { Name: 'n1', Type: 'T' }],
			['B', { Type: 'T2', Name: 'n2' }],
		]);
	});

	it('decodes entities in attributes and text, keeps CDATA verbatim', () => {
		const root = parseXml('<r a="&quot;x&quot; &amp; &#39;y&#x27;">a &lt; b<![CDATA[<&amp;>]]></r>');
		expect(root.attributes.a).toBe(`"x" & 'y'`);
		expect(root.text).toBe('a < b<&amp;>');
	});

	it.each([
		['an unclosed element', '<a><b></a>'],
		['a stray closing tag', '<a></a></b>'],
		['two roots', '<a/><b/>'],
		['broken markup', '<a><b c=></b></a>'],
		['no element at all', '  '],
	])('rejects %s', (_label, xml) => {
		expect(() => parseXml(xml)).toThrow(XmlSyntaxError);
	});
});
