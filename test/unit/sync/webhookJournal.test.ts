import { ChangeEventError, DUAL_WRITE_ORIGIN_TAG, foTriggerItem, journalDataverseDelivery, journalFoDelivery, parseFoEvent } from '../../../lib/sync';
import type { FoEventEntity } from '../../../lib/sync/events';
import { closeAll, tempStore } from '../state/helpers';
import { customersV3, edited, fixture } from './fixtures';

/** All the journal needs of an F&O entity: its name and natural key. */
const keyOnly = (): FoEventEntity => ({ name: 'CustomersV3', key: ['dataAreaId', 'CustomerAccount'], fields: [] });
const dataverse = { entitySetOf: (logicalName: string) => (logicalName === 'account' ? 'accounts' : undefined), primaryId: 'accountid' };

afterEach(closeAll);

describe('journalFoDelivery', () => {
	it.each(['data-event', 'business-event'])('journals a %s as one pending change F&O → Dataverse keyed by the natural key', async (format) => {
		const { store } = await tempStore();
		const delivery = fixture(`fo-${format}-update`);
		const result = await journalFoDelivery(store, delivery, { map: 'customers-v3-accounts', entity: keyOnly() });
		expect(result.outcome).toBe('journaled');
		const entry = await store.get((result as { id: number }).id);
		expect(entry).toMatchObject({
			map: 'customers-v3-accounts',
			direction: 'fo->dataverse',
			change: 'update',
			status: 'pending',
			source: { system: 'fo', entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: result.change.key.CustomerAccount }, eventId: result.change.eventId },
		});
		expect(entry?.source.eventId).toBe(String(result.change.controlNumber));
		// The key is all it keeps: the Dual-Write Trigger reads the record itself.
		expect(entry?.payload).toBeUndefined();
	});

	it('journals a repeated delivery (same ControlNumber) once, also when it arrives in the other format', async () => {
		const { store } = await tempStore();
		const data = fixture('fo-data-event-update');
		const controlNumber = (data.body.SharedVariables as Array<{ key: string; value: unknown }>).find((v) => v.key === 'ControlNumber')?.value;
		const business = edited(fixture('fo-business-event-update'), (body) => (body.ControlNumber = controlNumber));
		const first = await journalFoDelivery(store, data, { map: 'm', entity: keyOnly() });
		const again = await journalFoDelivery(store, data, { map: 'm', entity: keyOnly() });
		const other = await journalFoDelivery(store, business, { map: 'm', entity: keyOnly() });
		expect([first.outcome, again.outcome, other.outcome]).toEqual(['journaled', 'duplicate', 'duplicate']);
		expect((again as { id: number }).id).toBe((first as { id: number }).id);
		expect((await store.counts('m')).pending).toBe(1);
		// Another map's journal is another journal.
		expect((await journalFoDelivery(store, data, { map: 'other', entity: keyOnly() })).outcome).toBe('journaled');
	});

	it('journals a delete with the deleted record’s key (data event: from the pre-image; business event: from its fields)', async () => {
		const { store } = await tempStore();
		for (const format of ['data-event', 'business-event']) {
			const result = await journalFoDelivery(store, fixture(`fo-${format}-delete`), { map: format, entity: keyOnly() });
			expect(result.outcome).toBe('journaled');
			const entry = await store.get((result as { id: number }).id);
			expect(entry?.change).toBe('delete');
			expect(Object.keys(entry?.source.key ?? {}).sort()).toEqual(['CustomerAccount', 'dataAreaId']);
			expect(entry?.source.key.dataAreaId).toBe('usmf');
		}
	});

	it('leaves change types the trigger does not watch out of the journal', async () => {
		const { store } = await tempStore();
		const result = await journalFoDelivery(store, fixture('fo-data-event-delete'), { map: 'm', entity: keyOnly(), events: ['create', 'update'] });
		expect(result.outcome).toBe('not-watched');
		expect((await store.list({ map: 'm' })).items).toHaveLength(0);
	});

	it('refuses a delivery it cannot parse with a ChangeEventError naming what is missing, never a value', async () => {
		const { store } = await tempStore();
		const noControlNumber = edited(fixture('fo-data-event-update'), (body) => (body.SharedVariables = []));
		await expect(journalFoDelivery(store, noControlNumber, { map: 'm', entity: keyOnly() })).rejects.toThrow(ChangeEventError);
		await expect(journalFoDelivery(store, noControlNumber, { map: 'm', entity: keyOnly() })).rejects.toThrow(/ControlNumber/);
		const noKey = edited(fixture('fo-business-event-update'), (body) => delete body.CustomerAccount);
		await expect(journalFoDelivery(store, noKey, { map: 'm', entity: keyOnly() })).rejects.toThrow(/lacks the key field CustomerAccount/);
		await expect(journalFoDelivery(store, { body: { hello: 'secret-value' } }, { map: 'm', entity: keyOnly() })).rejects.toThrow(/neither a data event/);
		await expect(journalFoDelivery(store, { body: { hello: 'secret-value' } }, { map: 'm', entity: keyOnly() })).rejects.not.toThrow(/secret-value/);
		expect((await store.list({ map: 'm' })).items).toHaveLength(0);
	});
});

describe('journalDataverseDelivery', () => {
	it('journals a change Dataverse → F&O keyed by the primary id, with the delivery’s event id', async () => {
		const { store } = await tempStore();
		const delivery = fixture('dataverse-webhook-update');
		const result = await journalDataverseDelivery(store, delivery, { ...dataverse, map: 'customers-v3-accounts', ourTag: DUAL_WRITE_ORIGIN_TAG });
		expect(result.outcome).toBe('journaled');
		const entry = await store.get((result as { id: number }).id);
		expect(entry).toMatchObject({
			direction: 'dataverse->fo',
			change: 'update',
			status: 'pending',
			source: { system: 'dataverse', entity: 'accounts', key: { accountid: result.change.id }, eventId: result.change.eventId },
		});
		expect((await journalDataverseDelivery(store, delivery, { ...dataverse, map: 'customers-v3-accounts' })).outcome).toBe('duplicate');
	});

	it('records our own tagged write as skipped (echo), never pending; without the tag check it is journaled', async () => {
		const { store } = await tempStore();
		const tagged = edited(fixture('dataverse-webhook-update'), (body) => (body.SharedVariables = [{ key: 'tag', value: DUAL_WRITE_ORIGIN_TAG }]));
		const result = await journalDataverseDelivery(store, tagged, { ...dataverse, map: 'm', ourTag: DUAL_WRITE_ORIGIN_TAG });
		expect(result).toMatchObject({ outcome: 'echo', duplicate: false });
		const entry = await store.get((result as { id: number }).id);
		expect(entry).toMatchObject({ status: 'skipped', decision: 'echo' });
		expect(entry?.detail).toMatch(/origin tag/);
		expect((await store.claimBatch('m', 10, { leaseMs: 60_000 })).changes).toHaveLength(0);
		expect((await journalDataverseDelivery(store, tagged, { ...dataverse, map: 'n' })).outcome).toBe('journaled');
	});

	it('journals a delete by the primary id alone', async () => {
		const { store } = await tempStore();
		const result = await journalDataverseDelivery(store, fixture('dataverse-webhook-delete'), { ...dataverse, map: 'm' });
		const entry = await store.get((result as { id: number }).id);
		expect(entry?.change).toBe('delete');
		expect(Object.keys(entry?.source.key ?? {})).toEqual(['accountid']);
	});

	it('refuses a delivery for another table', async () => {
		const { store } = await tempStore();
		const contact = edited(fixture('dataverse-webhook-update'), (body, headers) => {
			body.PrimaryEntityName = 'contact';
			headers['x-ms-dynamics-entity-name'] = 'contact';
		});
		await expect(journalDataverseDelivery(store, contact, { ...dataverse, map: 'm' })).rejects.toThrow(/table contact/);
	});
});

describe('foTriggerItem', () => {
	it('puts the record’s fields and the key at the top and the change under "fo"', () => {
		const change = parseFoEvent(fixture('fo-data-event-update'), customersV3());
		const item = foTriggerItem(change);
		expect(item).toMatchObject({ ...change.fields, ...change.key });
		expect(item.fo).toEqual({
			system: 'fo',
			entity: 'CustomersV3',
			change: 'update',
			key: change.key,
			eventId: change.eventId,
			controlNumber: change.controlNumber,
			kind: 'data-event',
			at: change.at,
			version: change.version,
			legalEntity: 'usmf',
			initiatingUserId: change.initiatingUserId,
			undecoded: change.undecoded,
		});
	});
});
