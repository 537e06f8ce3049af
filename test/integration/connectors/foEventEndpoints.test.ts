/**
 * Registering F&O event endpoints through the emulator's admin API (FoEventEndpointRegistrar), and what the
 * emulator then delivers to them: real HTTP on loopback, the endpoint answered by a small local server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnector, type Connector } from '../../../lib/connectors';
import { FO_EVENT_SECRET_HEADER, FoEventEndpointRegistrar, foEventSignature, staleFoEndpoints } from '../../../lib/connectors/fo/eventEndpoints';
import { ODataError } from '../../../lib/odata';
import { openSqliteStateStore } from '../../../lib/state';
import { journalFoDelivery } from '../../../lib/sync';
import { startEmulators, type Emulators } from '../../support/emulators';

interface Received {
	headers: IncomingHttpHeaders;
	body: unknown;
}

let emulators: Emulators;
let registrar: FoEventEndpointRegistrar;
let connector: Connector;
let server: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	// The admin API takes no token; the registrar sends through the same authenticated transport as n8n would.
	registrar = new FoEventEndpointRegistrar({ environmentUrl: emulators.fo.url, transport: emulators.fo.transport, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
	connector = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
	server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
			res.end('OK');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/abc/webhook`;
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await emulators.close();
});
beforeEach(async () => {
	for (const endpoint of await registrar.list()) await registrar.unregister(endpoint.id);
	received.length = 0;
});

/** Until the emulator has no delivery pending (they run asynchronously after the write). */
async function delivered(): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (emulators.fo.emulator.events.status().pending > 0) {
		if (Date.now() > deadline) throw new Error('the F&O emulator did not deliver within 10 s');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('FoEventEndpointRegistrar against the F&O emulator', () => {
	it('registers an endpoint that sends the secret header, finds it by id and by URL, and removes it (twice is harmless)', async () => {
		const endpoint = await registrar.register({ url: receiverUrl, secret: 's3cret-s3cret-s3cret', entity: 'CustomersV3', format: 'dataEvent', messages: ['Update', 'Delete'], legalEntity: 'USMF' });
		expect(endpoint).toMatchObject({ entity: 'CustomersV3', url: receiverUrl, format: 'dataEvent', legalEntity: 'usmf', messages: ['Update', 'Delete'] });
		// What the emulator keeps: the header goes with every delivery. The registrar's own view leaves the secret out.
		const raw = await emulators.fo.admin<{ headers: Record<string, string> }>('GET', `/_emulator/events/endpoints/${endpoint.id}`);
		expect(raw.headers).toEqual({ [FO_EVENT_SECRET_HEADER]: 's3cret-s3cret-s3cret' });
		expect(JSON.stringify(await registrar.get(endpoint.id))).not.toContain('s3cret');
		expect(await registrar.exists(endpoint.id)).toBe(true);
		expect((await registrar.endpointsFor(receiverUrl)).map((e) => e.id)).toEqual([endpoint.id]);

		await registrar.unregister(endpoint.id);
		expect(await registrar.exists(endpoint.id)).toBe(false);
		expect(await registrar.get(endpoint.id)).toBeUndefined();
		await expect(registrar.unregister(endpoint.id)).resolves.toBeUndefined();
	});

	it('replaces endpoints left behind for the same URL, and leaves other URLs alone', async () => {
		const other = await registrar.register({ url: `${receiverUrl}-other`, secret: 'a'.repeat(32), entity: 'CustomersV3', format: 'dataEvent', messages: ['Update'] });
		const first = await registrar.register({ url: receiverUrl, secret: 'b'.repeat(32), entity: 'CustomersV3', format: 'dataEvent', messages: ['Update'] });
		const second = await registrar.register({ url: receiverUrl, secret: 'c'.repeat(32), entity: 'CustomersV3', format: 'businessEvent', messages: ['Update'] });
		const ids = (await registrar.list()).map((e) => e.id).sort();
		expect(ids).toEqual([other.id, second.id].sort());
		expect(ids).not.toContain(first.id);
		expect(staleFoEndpoints(await registrar.list(), receiverUrl, second.id)).toEqual([]);
	});

	it('names an unknown entity in the error', async () => {
		const failure = await registrar.register({ url: receiverUrl, secret: 'd'.repeat(32), entity: 'CustomerzV3', format: 'dataEvent', messages: ['Update'] }).catch((e: unknown) => e);
		expect(failure).toBeInstanceOf(ODataError);
		expect((failure as ODataError).status).toBe(400);
		expect((failure as ODataError).message).toMatch(/Unknown entity 'CustomerzV3'/);
	});

	it('a registered endpoint receives the change with the secret header; journaled, it is one change keyed by the natural key', async () => {
		await registrar.register({ url: receiverUrl, secret: 'e'.repeat(32), entity: 'CustomersV3', format: 'dataEvent', messages: ['Create', 'Update', 'Delete'] });
		const key = { dataAreaId: 'usmf', CustomerAccount: 'EVT-REG-1' };
		await connector.create('CustomersV3', { ...key, OrganizationName: 'Registered', CustomerGroupId: '10' });
		await connector.update('CustomersV3', key, { OrganizationName: 'Registered twice' });
		await delivered();
		expect(received).toHaveLength(2);
		for (const delivery of received) expect(delivery.headers[FO_EVENT_SECRET_HEADER]).toBe('e'.repeat(32));

		const dir = mkdtempSync(path.join(tmpdir(), 'dw-fo-events-'));
		const store = await openSqliteStateStore({ file: path.join(dir, 'state.sqlite') });
		const entity = { name: 'CustomersV3', key: ['dataAreaId', 'CustomerAccount'], fields: [] };
		const results = [];
		for (const delivery of [...received, ...received]) results.push(await journalFoDelivery(store, delivery as Parameters<typeof journalFoDelivery>[1], { map: 'customers-v3-accounts', entity }));
		expect(results.map((r) => r.outcome)).toEqual(['journaled', 'journaled', 'duplicate', 'duplicate']);
		const entries = (await store.list({ map: 'customers-v3-accounts', order: 'asc' })).items;
		expect(entries.map((e) => [e.change, e.source.key])).toEqual([
			['create', key],
			['update', key],
		]);
		expect(Number(entries[1].source.eventId)).toBeGreaterThan(Number(entries[0].source.eventId));
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('the signature changes with what the registration is for', () => {
		const base = { url: receiverUrl, entity: 'CustomersV3', messages: ['Update', 'Create'] as const, format: 'dataEvent' as const };
		expect(foEventSignature({ ...base, messages: ['Create', 'Update'] })).toBe(foEventSignature({ ...base, messages: [...base.messages] }));
		expect(foEventSignature({ ...base, messages: [...base.messages], legalEntity: 'usmf' })).not.toBe(foEventSignature({ ...base, messages: [...base.messages] }));
		expect(foEventSignature({ ...base, messages: [...base.messages], format: 'businessEvent' })).not.toBe(foEventSignature({ ...base, messages: [...base.messages] }));
	});
});
