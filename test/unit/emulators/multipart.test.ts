import { BatchParseError, parseBatch, parseBatchResponse, serializeBatchResponse } from '../../../emulators/common/multipart';

const CT = 'multipart/mixed; boundary=batch_AAA';

describe('parseBatch', () => {
	it('parses requests and change sets with CRLF, Content-IDs, headers and bodies', () => {
		const body = [
			'--batch_AAA',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'GET accounts?$select=name HTTP/1.1',
			'Accept: application/json',
			'',
			'--batch_AAA',
			'Content-Type: multipart/mixed; boundary=changeset_BBB',
			'',
			'--changeset_BBB',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'Content-ID: 1',
			'',
			'POST /api/data/v9.2/accounts HTTP/1.1',
			'Content-Type: application/json; type=entry',
			'',
			'{"name":"Ünïcode café"}',
			'--changeset_BBB',
			'Content-Type: application/http',
			'Content-ID: 2',
			'',
			'PATCH $1 HTTP/1.1',
			'',
			'{"telephone1":"1"}',
			'--changeset_BBB--',
			'--batch_AAA--',
			'',
		].join('\r\n');
		const items = parseBatch(CT, Buffer.from(body, 'utf8'));
		expect(items).toHaveLength(2);
		expect(items[0]).toMatchObject({ kind: 'request', method: 'GET', url: 'accounts?$select=name', headers: { accept: 'application/json' } });
		expect((items[0] as { body: Buffer }).body.length).toBe(0);
		const cs = items[1];
		expect(cs.kind).toBe('changeset');
		if (cs.kind !== 'changeset') return;
		expect(cs.boundary).toBe('changeset_BBB');
		expect(cs.parts.map((p) => [p.contentId, p.method, p.url])).toEqual([
			['1', 'POST', '/api/data/v9.2/accounts'],
			['2', 'PATCH', '$1'],
		]);
		expect(JSON.parse(cs.parts[0].body.toString('utf8'))).toEqual({ name: 'Ünïcode café' });
		expect(cs.parts[0].headers['content-type']).toBe('application/json; type=entry');
	});

	it('accepts LF line endings, a quoted boundary and a preamble', () => {
		const body = 'This is a preamble.\n--batch_Q\nContent-Type: application/http\n\nDELETE accounts(00000000-0000-0000-0000-000000000001) HTTP/1.1\n\n\n--batch_Q--\n';
		const items = parseBatch('multipart/mixed; boundary="batch_Q"', Buffer.from(body));
		expect(items).toEqual([{ kind: 'request', method: 'DELETE', url: 'accounts(00000000-0000-0000-0000-000000000001)', headers: {}, body: Buffer.alloc(0) }]);
	});

	it('keeps raw UTF-8 in request URLs', () => {
		const body = "--b\r\nContent-Type: application/http\r\n\r\nGET accounts?$filter=name eq 'Müller' HTTP/1.1\r\n\r\n--b--";
		const [item] = parseBatch('multipart/mixed;boundary=b', Buffer.from(body, 'utf8'));
		expect(item.kind === 'request' && item.url).toBe("accounts?$filter=name eq 'Müller'");
	});

	it('keeps binary bodies byte-exact', () => {
		const bin = Buffer.from([0, 255, 13, 10, 45, 45, 200]);
		const body = Buffer.concat([Buffer.from('--b\r\nContent-Type: application/http\r\n\r\nPOST x HTTP/1.1\r\n\r\n'), bin, Buffer.from('X\r\n--b--')]);
		const [item] = parseBatch('multipart/mixed; boundary=b', body);
		expect(item.kind === 'request' && [...item.body]).toEqual([...bin, 88]);
	});

	it.each([
		['a Content-Type without boundary', 'multipart/mixed', '--b\r\n\r\n--b--', /boundary/],
		['a non-multipart Content-Type', 'application/json', '{}', /multipart\/mixed/],
		['a body without the delimiter', 'multipart/mixed; boundary=b', 'hello', /does not contain the boundary delimiter '--b'/],
		['an unterminated part', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n', /Unterminated part/],
		['a missing close delimiter', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n--b', /Unterminated batch/],
		['a bad request line', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nHELLO WORLD\r\n--b--', /Bad request line/],
		['a part that is not application/http', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: text/plain\r\n\r\nGET x HTTP/1.1\r\n--b--', /application\/http/],
		['a nested batch request', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nPOST /api/data/v9.2/$batch HTTP/1.1\r\n\r\n--b--', /cannot contain other batch/],
		[
			'a nested change set',
			'multipart/mixed; boundary=b',
			'--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Type: multipart/mixed; boundary=d\r\n\r\n--d--\r\n--c--\r\n--b--',
			/cannot be nested/,
		],
		['a malformed header', 'multipart/mixed; boundary=b', '--b\r\nContent-Type application/http\r\n\r\nGET x HTTP/1.1\r\n--b--', /Malformed header/],
	])('rejects %s with BatchParseError', (_label, ct, body, message) => {
		expect(() => parseBatch(ct, Buffer.from(body))).toThrow(BatchParseError);
		expect(() => parseBatch(ct, Buffer.from(body))).toThrow(message);
	});
});

describe('serializeBatchResponse', () => {
	it('writes batchresponse_/changesetresponse_ boundaries, status lines, headers and bodies that parse back', () => {
		const { contentType, body } = serializeBatchResponse([
			{ kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: '{"value":[]}' },
			{
				kind: 'changeset',
				parts: [
					{ kind: 'response', contentId: '1', status: 204, headers: { 'odata-entityid': 'http://x/api/data/v9.2/accounts(1)', location: 'http://x/api/data/v9.2/accounts(1)' } },
					{ kind: 'response', contentId: '2', status: 204 },
				],
			},
			{ kind: 'response', status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"0x1","message":"é"}}' },
		]);
		expect(contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
		const text = body.toString('utf8');
		expect(text).toMatch(/^--batchresponse_[0-9a-f-]{36}\r\nContent-Type: application\/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
		expect(text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]{36}\r\n\r\n--changesetresponse_/);
		expect(text).toContain('Content-ID: 1\r\n\r\nHTTP/1.1 204 No Content\r\nOData-EntityId: http://x/api/data/v9.2/accounts(1)\r\nLocation: http://x/api/data/v9.2/accounts(1)\r\n');
		expect(text).toContain('HTTP/1.1 400 Bad Request');
		expect(text.endsWith(`--${contentType.split('=')[1]}--\r\n`)).toBe(true);
		const back = parseBatchResponse(contentType, body);
		expect(back.map((b) => b.kind)).toEqual(['response', 'changeset', 'response']);
		expect(back[1].kind === 'changeset' && back[1].parts.map((p) => [p.contentId, p.status])).toEqual([
			['1', 204],
			['2', 204],
		]);
		expect(back[2].kind === 'response' && JSON.parse(Buffer.from(back[2].body as Buffer).toString('utf8')).error.message).toBe('é');
	});

	it('uses the boundaries it is given', () => {
		const { contentType, body } = serializeBatchResponse([{ kind: 'changeset', parts: [{ kind: 'response', status: 204 }] }], { boundary: 'batchresponse_X', changesetBoundary: () => 'changesetresponse_Y' });
		expect(contentType).toBe('multipart/mixed; boundary=batchresponse_X');
		expect(body.toString()).toBe(
			'--batchresponse_X\r\nContent-Type: multipart/mixed; boundary=changesetresponse_Y\r\n\r\n--changesetresponse_Y\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n--changesetresponse_Y--\r\n--batchresponse_X--\r\n',
		);
	});
});
