import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAxiosTransport, type AxiosTransport } from '../../support/axios-transport';
import { NetworkError, ODataError, sendRequest, withRetry } from '../../../lib/odata';

interface Seen {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
	socket: object;
}

let server: http.Server;
let base: string;
let transport: AxiosTransport;
const seen: Seen[] = [];
let script: ((request: Seen, response: http.ServerResponse) => void) | undefined;

beforeAll(async () => {
	server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), socket: request.socket };
			seen.push(entry);
			if (script) return script(entry, response);
			response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	transport = createAxiosTransport({ timeoutMs: 2000 });
});

afterAll(async () => {
	transport.close();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
	seen.length = 0;
	script = undefined;
});

describe('axios transport', () => {
	it('resolves non-2xx responses with lower-case headers and the raw body', async () => {
		const json = '{"error":{"code":"","message":"An error has occurred."}}';
		script = (_request, response) => response.writeHead(500, { 'Content-Type': 'application/json', 'X-Custom': 'A' }).end(json);
		const response = await transport({ method: 'GET', url: `${base}/data/CustomersV3`, headers: { Accept: 'application/json' } });
		expect(response.status).toBe(500);
		expect(response.body).toBe(json);
		expect(response.headers['content-type']).toBe('application/json');
		expect(response.headers['x-custom']).toBe('A');
		expect(Object.keys(response.headers).every((name) => name === name.toLowerCase())).toBe(true);
	});

	it('sends and receives multipart bodies byte for byte', async () => {
		const multipart = '\r\n--batch_1\r\nContent-Type: application/http\r\n\r\nGET A HTTP/1.1\r\n\r\n\r\n--batch_1--\r\n  ';
		script = (request, response) => response.writeHead(200, { 'Content-Type': 'multipart/mixed; boundary=batch_1' }).end(request.body);
		const response = await transport({
			method: 'POST',
			url: `${base}/data/$batch`,
			headers: { 'Content-Type': 'multipart/mixed; boundary=batch_1' },
			body: multipart,
		});
		expect(seen[0].body).toBe(multipart);
		expect(seen[0].headers['content-type']).toBe('multipart/mixed; boundary=batch_1');
		expect(response.body).toBe(multipart);
	});

	it('keeps the URL it is given and reuses connections', async () => {
		const url = `${base}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='O''Brien%2F1')?$filter=Name%20eq%20'a'`;
		await transport({ method: 'GET', url, headers: {} });
		await transport({ method: 'GET', url, headers: {} });
		expect(seen[0].url).toMatch(/^\/data\/CustomersV3\(dataAreaId='usmf',CustomerAccount='O''Brien%2F1'\)\?\$filter=Name%20eq%20(%27|')a(%27|')$/);
		expect(seen[1].socket).toBe(seen[0].socket);
	});

	it('rejects with a NetworkError that carries no credentials when nothing listens', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		let caught: unknown;
		try {
			await transport({ method: 'GET', url: `http://127.0.0.1:${port}/data/A`, headers: { Authorization: 'Bearer super-secret-token' } });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(NetworkError);
		expect((caught as NetworkError).code).toBe('ECONNREFUSED');
		expect(JSON.stringify(caught)).not.toContain('super-secret-token');
		expect((caught as Error).message).not.toContain('super-secret-token');
	});

	it('turns a timeout into ETIMEDOUT', async () => {
		const slow = createAxiosTransport({ timeoutMs: 50 });
		script = (_request, response) => setTimeout(() => response.end('late'), 300);
		await expect(slow({ method: 'GET', url: `${base}/slow`, headers: {} })).rejects.toMatchObject({ name: 'NetworkError', code: 'ETIMEDOUT' });
		slow.close();
	});
});

describe('sendRequest over HTTP', () => {
	it('retries a 429 honouring Retry-After, then returns the success', async () => {
		let calls = 0;
		script = (_request, response) => {
			calls += 1;
			if (calls === 1) response.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'application/json' }).end('{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit"}}');
			else response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"value":[]}');
		};
		const delays: number[] = [];
		const response = await sendRequest(transport, { method: 'GET', url: `${base}/api/data/v9.2/accounts`, headers: {} }, { system: 'dataverse', entity: 'accounts' }, {
			retry: { onRetry: (event) => delays.push(event.delayMs) },
		});
		expect(response.body).toBe('{"value":[]}');
		expect(delays).toEqual([0]);
		expect(seen).toHaveLength(2);
	});

	it('throws an ODataError for an error status, and returns accepted ones', async () => {
		script = (_request, response) => response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"","message":"account With Id = 1 Does Not Exist"}}');
		const context = { system: 'dataverse' as const, entity: 'accounts', key: { accountid: '1' } };
		await expect(sendRequest(transport, { method: 'GET', url: `${base}/x`, headers: {} }, context)).rejects.toThrow(
			new ODataError({ ...context, status: 404, serverMessage: 'account With Id = 1 Does Not Exist', transient: false }).message,
		);
		const accepted = await sendRequest(transport, { method: 'GET', url: `${base}/x`, headers: {} }, context, { acceptStatuses: [404] });
		expect(accepted.status).toBe(404);
		expect(seen).toHaveLength(2);
	});

	it('retries network failures end to end', async () => {
		let calls = 0;
		script = (request, response) => {
			calls += 1;
			if (calls === 1) (request.socket as import('node:net').Socket).destroy();
			else response.end('ok');
		};
		const reasons: string[] = [];
		const body = await withRetry(async () => (await transport({ method: 'GET', url: `${base}/flaky`, headers: {} })).body, {
			baseDelayMs: 1,
			onRetry: (event) => reasons.push(event.reason),
		});
		expect(body).toBe('ok');
		expect(reasons).toHaveLength(1);
		expect(reasons[0]).toMatch(/^network error (ECONNRESET|socket hang up)$/);
	});
});
