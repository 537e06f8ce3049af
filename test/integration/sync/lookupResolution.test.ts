/**
 * A synchronous Dataverse step's delivery made mappable without reading the row (lib/sync/events/lookups.ts), against
 * the Dataverse emulator: the registrar registers synchronous steps with post-images, a person's update reaches a
 * local webhook inside the transaction, the trigger item is built from the delivery and its lookups are resolved
 * from the referenced rows; the customers V3 ↔ accounts map then maps it to the same F&O record as a fresh read of
 * the row with the map's own `$expand` (what the polling capture maps).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTEGRATION_APP, USER_APP } from '../../../emulators/common/directory';
import { startEmulators, type RunningEmulators } from '../../../emulators';
import { DataverseWebhookRegistrar, POST_IMAGE_ALIAS, type Connector, type DataRecord } from '../../../lib/connectors';
import { apply, catalogMap, compileMap, sourceQuery, type CompiledMap, type MappedRecord } from '../../../lib/maps';
import { dataverseTriggerItem, isEntityReference, lookupFieldsOfMap, parseDataverseWebhook, resolveLookups, ChangeEventError } from '../../../lib/sync';
import { emulatorConnectors, type EmulatorConnectors } from '../../../scripts/initialCopy';
import { createAxiosTransport } from '../../support/axios-transport';
import { authenticated, bearerTokens } from '../../support/emulators';

const MAP = 'customers-v3-accounts';

let emulators: RunningEmulators;
let integration: EmulatorConnectors;
let people: EmulatorConnectors;
let dv: Connector;
let compiled: CompiledMap;
let server: Server;
let hookUrl = '';
const axios = createAxiosTransport();
/** What the local webhook answers, and the deliveries it received (bodies, in order). */
let answer = 200;
const deliveries: unknown[] = [];

beforeAll(async () => {
	emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 3 }, dataverseProjection: ['customers'] });
	integration = emulatorConnectors(emulators);
	people = emulatorConnectors(emulators, USER_APP);
	dv = integration.dataverse;
	compiled = compileMap(catalogMap(MAP) ?? (() => { throw new Error(`no map ${MAP}`); })());
	server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			deliveries.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
			res.statusCode = answer;
			res.end(answer === 200 ? 'OK' : '{"message":"refused by the test"}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}, 120_000);

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
	integration.close();
	people.close();
	axios.close();
	await emulators.close();
});

const registrar = () => new DataverseWebhookRegistrar({ environmentUrl: emulators.dataverse.url, transport: authenticated(axios, bearerTokens(emulators.token.url, INTEGRATION_APP, emulators.dataverse.url)) });

/** An organisation of usmf that exists in both systems (the world's customers are projected into Dataverse). */
async function someAccount(): Promise<DataRecord> {
	for await (const page of dv.readPages('accounts', { filter: "customertypecode eq 3 and startswith(accountnumber,'US-')", select: ['accountid', 'accountnumber', 'name'], limit: 1 })) {
		if (page[0]) return page[0];
	}
	throw new Error('no seeded organisation account');
}

/** The row as the polling capture reads it: the map's $select and $expand. */
async function freshRead(accountid: string): Promise<DataRecord> {
	const query = sourceQuery(compiled, 'dataverse->fo');
	const row = await dv.get('accounts', { accountid }, { select: query.select, expand: query.expand });
	if (!row) throw new Error(`account ${accountid} is gone`);
	return row;
}

const mapped = (record: Record<string, unknown>): MappedRecord => {
	const result = apply(compiled, 'dataverse->fo', record);
	if (result.kind !== 'mapped') throw new Error(`not mapped: ${result.detail}`);
	return result;
};

describe('synchronous registration and lookup resolution', () => {
	let endpointId = '';
	let stepIds: string[] = [];
	let imageIds: string[] = [];

	afterAll(async () => {
		if (endpointId) await registrar().unregister(endpointId, stepIds, imageIds);
	});

	it('registers mode 0 post-operation steps, each Create and Update step with a whole-row post-image', async () => {
		const registration = await registrar().register({ url: hookUrl, secret: 's', logicalName: 'account', messages: ['Create', 'Update', 'Delete'], synchronous: true });
		endpointId = registration.endpointId;
		stepIds = Object.values(registration.stepIds);
		imageIds = Object.values(registration.imageIds);
		const steps = await dv.readPages('sdkmessageprocessingsteps', { filter: `_eventhandler_value eq ${endpointId}`, select: ['stage', 'mode', 'asyncautodelete', 'sdkmessageprocessingstepid'] }).next();
		const rows = steps.value ?? [];
		expect(rows).toHaveLength(3);
		expect(rows.every((step) => step.stage === 40 && step.mode === 0)).toBe(true);
		expect(Object.keys(registration.imageIds).sort()).toEqual(['Create', 'Update']);
		const image = await dv.get('sdkmessageprocessingstepimages', { sdkmessageprocessingstepimageid: String(registration.imageIds.Update) }, { select: ['imagetype', 'entityalias', 'messagepropertyname', 'attributes'] });
		expect(image).toMatchObject({ imagetype: 1, entityalias: POST_IMAGE_ALIAS, messagepropertyname: 'Target', attributes: null });
	});

	it('an update of one column: the item is the whole row, and with lookups resolved it maps to what a fresh read maps to', async () => {
		const account = await someAccount();
		deliveries.length = 0;
		await people.dataverse.update('accounts', { accountid: String(account.accountid) }, { name: 'Renamed inside the transaction' });
		expect(deliveries).toHaveLength(1);
		const change = parseDataverseWebhook({ body: deliveries[0] }, { entitySetOf: (name) => (name === 'account' ? 'accounts' : undefined) });
		const item = dataverseTriggerItem(change, 'accountid');
		// Target carried the name only; the post-image the rest.
		expect(item).toMatchObject({ name: 'Renamed inside the transaction', accountnumber: account.accountnumber, customertypecode: 3 });
		expect(isEntityReference(item.msdyn_customergroupid)).toBe(true);
		expect(item.msdyn_company).toMatchObject({ logicalName: 'cdm_company' });

		const byKeys = await resolveLookups(item, { connector: dv, entity: 'accounts' });
		const group = byKeys.msdyn_customergroupid as unknown as Record<string, unknown>;
		expect(group).toMatchObject({ id: (item.msdyn_customergroupid as { id: string }).id, logicalName: 'msdyn_customergroup' });
		expect(typeof group.msdyn_groupid).toBe('string');
		expect(byKeys.msdyn_company).toMatchObject({ cdm_companycode: 'usmf' });
		expect(byKeys.transactioncurrencyid).toMatchObject({ isocurrencycode: expect.any(String) });
		// Audit lookups stay references; the input is not changed.
		expect(isEntityReference(byKeys.modifiedby)).toBe(true);
		expect(isEntityReference(item.msdyn_customergroupid)).toBe(true);

		const forMap = await resolveLookups(item, { connector: dv, entity: 'accounts', fields: lookupFieldsOfMap(compiled) });
		expect(Object.keys(forMap.msdyn_customergroupid as object).sort()).toEqual(['id', 'logicalName', 'msdyn_groupid']);

		const expected = mapped(await freshRead(String(account.accountid)));
		expect(expected.target.record.OrganizationName).toBe('Renamed inside the transaction');
		for (const resolved of [byKeys, forMap]) {
			const result = mapped(resolved);
			expect(result.target.key).toEqual(expected.target.key);
			expect(result.target.record).toEqual(expected.target.record);
			expect(result.hash).toBe(expected.hash);
		}
		// Unresolved, the map finds no company: the key cannot be built.
		expect(() => apply(compiled, 'dataverse->fo', item)).toThrow(/company|key/i);
	});

	it('a failing synchronous webhook fails the save and rolls it back', async () => {
		const account = await someAccount();
		const before = (await dv.get('accounts', { accountid: String(account.accountid) }, { select: ['name'] }))?.name;
		answer = 500;
		try {
			await expect(people.dataverse.update('accounts', { accountid: String(account.accountid) }, { name: 'Never saved' })).rejects.toThrow(/refused by the test|500/);
		} finally {
			answer = 200;
		}
		expect((await dv.get('accounts', { accountid: String(account.accountid) }, { select: ['name'] }))?.name).toBe(before);
	});

	it('a reference to a row that does not exist is a ChangeEventError naming the lookup', async () => {
		const account = await someAccount();
		const item = { accountid: account.accountid, msdyn_customergroupid: { id: '00000000-0000-4000-8000-00000000dead', logicalName: 'msdyn_customergroup' } };
		await expect(resolveLookups(item, { connector: dv, entity: 'accounts' })).rejects.toThrow(ChangeEventError);
		await expect(resolveLookups(item, { connector: dv, entity: 'accounts' })).rejects.toThrow(/msdyn_customergroupid.*does not exist/);
	});

	it('a polymorphic reference (a contact’s parent customer) lands under the navigation of its type, the column keeps the reference', async () => {
		const account = await someAccount();
		const contact = (await dv.readPages('contacts', { select: ['contactid', 'msdyn_contactpersonid'], limit: 1 }).next()).value?.[0] as DataRecord;
		const toAccount = { parentcustomerid: { id: String(account.accountid), logicalName: 'account' } };
		const asAccount = await resolveLookups(toAccount, { connector: dv, entity: 'contacts' });
		expect(asAccount.parentcustomerid_account).toEqual({ accountnumber: account.accountnumber, _msdyn_company_value: expect.any(String) });
		expect(asAccount.parentcustomerid).toEqual(toAccount.parentcustomerid);
		const toContact = { parentcustomerid: { id: String(contact.contactid), logicalName: 'contact' } };
		const asContact = await resolveLookups(toContact, { connector: dv, entity: 'contacts' });
		expect(asContact.parentcustomerid_contact).toMatchObject({ msdyn_contactpersonid: contact.msdyn_contactpersonid });
		expect(asContact).not.toHaveProperty('parentcustomerid_account');
	});

	it('unregistering removes the steps and their images', async () => {
		await registrar().unregister(endpointId, stepIds, imageIds);
		endpointId = '';
		const images = await dv.readPages('sdkmessageprocessingstepimages', { select: ['sdkmessageprocessingstepimageid'] }).next();
		expect(images.value ?? []).toEqual([]);
	});
});
