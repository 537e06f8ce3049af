import { ChangeEventError, parseFoBusinessEvent, parseFoDataEvent, parseFoEvent } from '../../../lib/sync/events';
import { customersV3, edited, fixture } from './fixtures';

const USER_APP = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const entity = customersV3();

describe('F&O data events captured from the F&O emulator', () => {
	it('Update: changed fields under OData names, natural key, ControlNumber as event id, initiating user', () => {
		const delivery = fixture('fo-data-event-update');
		const change = parseFoDataEvent(delivery, entity);
		expect(change).toMatchObject({ system: 'fo', kind: 'data-event', entity: 'CustomersV3', change: 'update', legalEntity: 'usmf', initiatingUserId: USER_APP });
		expect(change.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'US-000003' });
		expect(change.fields).toMatchObject({ SalesMemo: 'Edited by a user', CreditLimit: 2500 });
		expect(change.fields.ModifiedDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		// The row id attribute (mserp_custcustomerv3entityid) is not an entity field.
		expect(Object.keys(change.fields).every((name) => !name.startsWith('mserp_'))).toBe(true);
		expect(change.eventId).toBe(delivery.headers['x-emulator-control-number']);
		expect(change.controlNumber).toBe(Number(delivery.headers['x-emulator-control-number']));
		expect(change.undecoded).toEqual([]);
	});

	it('Create: every field, enums decoded from 200000000-based option values back to symbols', () => {
		const change = parseFoDataEvent(fixture('fo-data-event-create'), entity);
		expect(change.change).toBe('create');
		expect(change.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'FX-100' });
		expect(change.fields).toMatchObject({ OrganizationName: 'Fixture Ltd', CustomerGroupId: '10', CreditLimitIsMandatory: 'Yes' });
		expect(change.version).toMatch(/^\d+$/);
	});

	it('Delete: the key comes from the pre-image, the Target being a bare reference', () => {
		const change = parseFoDataEvent(fixture('fo-data-event-delete'), entity);
		expect(change.change).toBe('delete');
		expect(change.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'FX-100' });
		expect(change.fields.OrganizationName).toBe('Fixture Ltd');
	});

	it('an enum value the field list cannot name is reported, not guessed', () => {
		const delivery = edited(fixture('fo-data-event-create'), (body) => {
			const attrs = (body.InputParameters as Array<{ value: { Attributes: Array<{ key: string; value: unknown }> } }>)[0].value.Attributes;
			const attr = attrs.find((a) => a.key === 'mserp_creditlimitismandatory');
			if (attr) attr.value = { __type: 'OptionSetValue:x', Value: 200000009 };
		});
		const change = parseFoDataEvent(delivery, entity);
		expect(change.undecoded).toEqual(['CreditLimitIsMandatory']);
		expect(change.fields).not.toHaveProperty('CreditLimitIsMandatory');
	});

	it('matches field names case-insensitively and works from a plain name list', () => {
		const change = parseFoDataEvent(fixture('fo-data-event-update'), { name: 'CustomersV3', key: ['DataAreaId', 'CUSTOMERACCOUNT'], fields: ['salesmemo'] });
		expect(change.key).toEqual({ DataAreaId: 'usmf', CUSTOMERACCOUNT: 'US-000003' });
		expect(change.fields).toEqual({ salesmemo: 'Edited by a user', DataAreaId: 'usmf', CUSTOMERACCOUNT: 'US-000003' });
	});

	it.each([
		['no ControlNumber', (b: Record<string, unknown>) => (b.SharedVariables = []), /has no SharedVariables ControlNumber/],
		['no Target', (b: Record<string, unknown>) => (b.InputParameters = []), /has no InputParameters Target/],
		['no key field', (b: Record<string, unknown>) => {
			const target = (b.InputParameters as Array<{ value: { Attributes: Array<{ key: string }> } }>)[0].value;
			target.Attributes = target.Attributes.filter((a) => a.key !== 'mserp_customeraccount');
			b.PreEntityImages = [];
		}, /lacks the key field CustomerAccount/],
		['a Delete without pre-image', (b: Record<string, unknown>) => {
			b.MessageName = 'Delete';
			b.InputParameters = [{ key: 'Target', value: { __type: 'EntityReference:x', Id: 'x', LogicalName: 'mserp_custcustomerv3entity' } }];
			b.PreEntityImages = [];
		}, /has no PreEntityImages PreImage/],
	])('refuses a data event with %s', (_label, edit, message) => {
		const delivery = edited(fixture('fo-data-event-update'), edit);
		expect(() => parseFoDataEvent(delivery, entity)).toThrow(ChangeEventError);
		expect(() => parseFoDataEvent(delivery, entity)).toThrow(message);
	});
});

describe('F&O business events captured from the F&O emulator', () => {
	it('flat JSON: key, ControlNumber, legal entity, braced upper-case AAD object id normalised', () => {
		const delivery = fixture('fo-business-event-update');
		const change = parseFoBusinessEvent(delivery, entity);
		expect(change).toMatchObject({ system: 'fo', kind: 'business-event', change: 'update', legalEntity: 'usmf', initiatingUserId: USER_APP });
		expect(change.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'US-000003' });
		expect(change.eventId).toBe(String(delivery.body.ControlNumber));
		expect(change.at).toBe(new Date(Date.parse(String(delivery.body.EventTimeIso8601).replace(/(\.\d{3})\d+/, '$1'))).toISOString());
	});

	it('shares the ControlNumber with the data event of the same change (cross-format de-duplication)', () => {
		for (const name of ['create', 'update', 'delete']) {
			const business = parseFoEvent(fixture(`fo-business-event-${name}`), entity);
			const data = parseFoEvent(fixture(`fo-data-event-${name}`), entity);
			expect([business.kind, data.kind]).toEqual(['business-event', 'data-event']);
			expect(business.eventId).toBe(data.eventId);
			expect(business.change).toBe(data.change);
			expect(business.key).toEqual(data.key);
		}
	});

	it('without ChangeType or a dataAreaId field: an update notification keyed by BusinessEventLegalEntity', () => {
		const delivery = edited(fixture('fo-business-event-update'), (body) => {
			delete body.ChangeType;
			delete body.dataAreaId;
			body.BusinessEventLegalEntity = 'USMF';
		});
		const change = parseFoBusinessEvent(delivery, entity);
		expect(change.change).toBe('update');
		expect(change.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'US-000003' });
	});

	it.each([
		['no ControlNumber', (b: Record<string, unknown>) => delete b.ControlNumber, /has no ControlNumber/],
		['another entity', (b: Record<string, unknown>) => (b.EntityName = 'VendorsV2'), /is for entity VendorsV2, not CustomersV3/],
		['no key', (b: Record<string, unknown>) => delete b.CustomerAccount, /lacks the key field CustomerAccount/],
	])('refuses a business event with %s', (_label, edit, message) => {
		const delivery = edited(fixture('fo-business-event-update'), edit);
		expect(() => parseFoBusinessEvent(delivery, entity)).toThrow(message);
	});

	it('parseFoEvent refuses a body of neither format', () => {
		expect(() => parseFoEvent({ body: { hello: 1 } }, entity)).toThrow(/neither a data event .* nor a business event/);
	});
});
