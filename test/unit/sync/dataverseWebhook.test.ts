import { INTEGRATION_APP, USER_APP } from '../../../emulators/common/directory';
import { ChangeEventError, parseDataverseWebhook } from '../../../lib/sync/events';
import { edited, fixture } from './fixtures';

const options = { entitySetOf: (logicalName: string) => ({ account: 'accounts', contact: 'contacts' })[logicalName] };

describe('parseDataverseWebhook on deliveries captured from the Dataverse emulator', () => {
	it('Create with ?tag=: entity set, id, decoded Money / OptionSetValue / EntityReference, tag and identity', () => {
		const delivery = fixture('dataverse-webhook-create');
		const change = parseDataverseWebhook(delivery, options);
		expect(change).toMatchObject({ system: 'dataverse', entity: 'accounts', change: 'create', depth: 1, tag: 'dw-n8n', truncated: false });
		expect(change.id).toBe(delivery.body.PrimaryEntityId);
		expect(change.attributes.creditlimit).toBe(1250.5);
		expect(change.attributes.customertypecode).toBe(3);
		expect(change.attributes.name).toBe('Fixture one  ');
		expect(change.attributes.msdyn_company).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), logicalName: 'cdm_company' });
		expect(change.initiatingUserId).toBe(INTEGRATION_APP.objectId);
		expect(change.initiatingUserObjectId).toBe(INTEGRATION_APP.objectId);
		expect(change.correlationId).toBe(delivery.headers['x-ms-correlation-request-id']);
		expect(change.undecoded).toEqual([]);
	});

	it('event id is the OperationId; at is the modifiedon of the row, as ISO', () => {
		const delivery = fixture('dataverse-webhook-update');
		const change = parseDataverseWebhook(delivery, options);
		expect(change.eventId).toBe(delivery.body.OperationId);
		const modifiedon = (delivery.body.InputParameters as Array<{ value: { Attributes: Array<{ key: string; value: string }> } }>)[0].value.Attributes.find((a) => a.key === 'modifiedon')?.value;
		expect(change.at).toBe(new Date(Number(/\d+/.exec(modifiedon ?? '')?.[0])).toISOString().replace('.000Z', 'Z'));
		expect(change.change).toBe('update');
		expect(change.tag).toBeUndefined();
		expect(change.initiatingUserId).toBe(USER_APP.objectId);
		expect(Object.keys(change.attributes).sort()).toEqual(['accountid', 'customertypecode', 'modifiedby', 'modifiedon', 'name']);
	});

	it('Delete: an EntityReference target gives no attributes, the id from PrimaryEntityId, at from OperationCreatedOn', () => {
		const delivery = fixture('dataverse-webhook-delete');
		const change = parseDataverseWebhook(delivery, options);
		expect(change.change).toBe('delete');
		expect(change.attributes).toEqual({});
		expect(change.id).toBe(delivery.body.PrimaryEntityId);
		expect(change.at).toBe(new Date(Number(/\d+/.exec(String(delivery.body.OperationCreatedOn))?.[0])).toISOString());
	});

	it('accepts the raw JSON text of a delivery', () => {
		const delivery = fixture('dataverse-webhook-update');
		expect(parseDataverseWebhook({ headers: delivery.headers, body: JSON.stringify(delivery.body) }, options).eventId).toBe(delivery.body.OperationId);
	});

	it('synchronous steps (no OperationId) use CorrelationId:RequestId', () => {
		const requestId = '11111111-2222-4333-8444-555555555555';
		const delivery = edited(fixture('dataverse-webhook-update'), (body) => {
			body.OperationId = '00000000-0000-0000-0000-000000000000';
			body.RequestId = requestId;
		});
		expect(parseDataverseWebhook(delivery, options).eventId).toBe(`${String(delivery.body.CorrelationId)}:${requestId}`);
	});

	it('finds the tag in a parent context and a /Date(ms-0700)/ time in UTC', () => {
		const delivery = edited(fixture('dataverse-webhook-delete'), (body) => {
			body.ParentContext = { SharedVariables: [{ key: 'tag', value: 'dw-n8n' }], ParentContext: null };
			body.OperationCreatedOn = '/Date(1506409448000-0700)/';
		});
		const change = parseDataverseWebhook(delivery, options);
		expect(change.tag).toBe('dw-n8n');
		expect(change.at).toBe('2017-09-26T07:04:08Z');
	});

	it('a size-exceeded delivery has no record but parses, marked truncated', () => {
		const delivery = edited(fixture('dataverse-webhook-update'), (body, headers) => {
			body.InputParameters = [];
			headers['x-ms-dynamics-msg-size-exceeded'] = 'true';
		});
		const change = parseDataverseWebhook(delivery, options);
		expect(change.truncated).toBe(true);
		expect(change.attributes).toEqual({});
	});

	it('lists attributes it cannot decode instead of guessing', () => {
		const delivery = edited(fixture('dataverse-webhook-update'), (body) => {
			const target = (body.InputParameters as Array<{ value: { Attributes: unknown[] } }>)[0].value;
			target.Attributes.push({ key: 'msdyn_tags', value: { __type: 'OptionSetValueCollection:x', Values: [1, 2] } });
		});
		const change = parseDataverseWebhook(delivery, options);
		expect(change.undecoded).toEqual(['msdyn_tags']);
		expect(change.attributes).not.toHaveProperty('msdyn_tags');
	});

	it.each([
		['no JSON object', (b: Record<string, unknown>) => Object.keys(b).forEach((k) => delete b[k]), /has no MessageName/],
		['an unknown message', (b: Record<string, unknown>) => (b.MessageName = 'Assign'), /message Assign; only Create, Update and Delete/],
		['an unknown table', (b: Record<string, unknown>) => (b.PrimaryEntityName = 'lead'), /table lead, whose entity set is unknown/],
		['no Target', (b: Record<string, unknown>) => (b.InputParameters = []), /has no InputParameters Target/],
		['no primary id', (b: Record<string, unknown>) => {
			b.PrimaryEntityId = null;
			(b.InputParameters as Array<{ value: Record<string, unknown> }>)[0].value.Id = null;
		}, /has no PrimaryEntityId/],
		['no Depth', (b: Record<string, unknown>) => delete b.Depth, /has no Depth/],
		['no event id', (b: Record<string, unknown>) => {
			b.OperationId = null;
			b.RequestId = null;
		}, /neither OperationId nor RequestId/],
	])('refuses a delivery with %s, naming what is missing', (_label, edit, message) => {
		const delivery = edited(fixture('dataverse-webhook-update'), (body, headers) => {
			edit(body);
			delete headers['x-ms-dynamics-request-name'];
		});
		expect(() => parseDataverseWebhook(delivery, options)).toThrow(ChangeEventError);
		expect(() => parseDataverseWebhook(delivery, options)).toThrow(message);
	});

	it('refuses a body that is not JSON', () => {
		expect(() => parseDataverseWebhook({ body: '<xml/>' }, options)).toThrow(/Dataverse webhook delivery body is not a JSON object/);
	});
});
