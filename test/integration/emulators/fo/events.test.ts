import { INTEGRATION_APP, USER_APP } from '../../../../emulators/common/directory';
import { customerPath, startHarness, startReceiver, type Harness, type Receiver } from './harness';

let h: Harness;
let rx: Receiver;
beforeAll(async () => {
	h = await startHarness({ eventRetryDelayMs: 20 });
	rx = await startReceiver();
});
afterAll(async () => {
	await h.close();
	await rx.close();
});
afterEach(async () => {
	const eps = await h.get<{ value: Array<{ id: string }> }>('/_emulator/events/endpoints');
	for (const ep of eps.value) await h.call('DELETE', `/_emulator/events/endpoints/${ep.id}`);
	await h.call('DELETE', '/_emulator/events/errors');
	rx.received.length = 0;
	rx.script = [];
	rx.delayMs = 0;
});

type Attr = { key: string; value: unknown };
type Ctx = {
	MessageName: string;
	InitiatingUserId: string;
	PrimaryEntityName: string;
	InputParameters: Array<{ key: string; value: { Attributes?: Attr[]; LogicalName: string; Id: string; __type: string } }>;
	PreEntityImages: Array<{ key: string; value: { Attributes: Attr[] } }>;
	SharedVariables: Attr[];
};
const attr = (attrs: Attr[] | undefined, key: string) => attrs?.find((a) => a.key === key)?.value;
const register = async (body: Record<string, unknown>) => {
	const r = await h.call('POST', '/_emulator/events/endpoints', { body: { url: rx.url, ...body } });
	expect(r.status).toBe(201);
	return r.json<{ id: string }>();
};
const controlNumber = (ctx: Ctx) => attr(ctx.SharedVariables, 'ControlNumber') as number;

describe('F&O emulator: event endpoint admin API', () => {
	it('registers, lists and deletes endpoints', async () => {
		const ep = await register({ entity: 'CustomersV3', format: 'dataEvent', legalEntity: 'USMF', headers: { 'x-key': 'k' } });
		const list = await h.get<{ value: Array<Record<string, unknown>> }>('/_emulator/events/endpoints');
		expect(list.value).toEqual([expect.objectContaining({ id: ep.id, entity: 'CustomersV3', format: 'dataEvent', legalEntity: 'usmf', url: rx.url, headers: { 'x-key': 'k' } })]);
		expect((await h.call('DELETE', `/_emulator/events/endpoints/${ep.id}`)).status).toBe(204);
		expect((await h.get<{ value: unknown[] }>('/_emulator/events/endpoints')).value).toEqual([]);
	});

	it.each([
		[{ entity: 'Nope', url: 'http://127.0.0.1:1/x', format: 'dataEvent' }, /Unknown entity/],
		[{ entity: 'CustomersV3', url: 'ftp://x', format: 'dataEvent' }, /http\(s\) URL/],
		[{ entity: 'CustomersV3', url: 'http://127.0.0.1:1/x', format: 'xml' }, /format/],
	])('400 for an invalid registration %#', async (body, message) => {
		const r = await h.call('POST', '/_emulator/events/endpoints', { body });
		expect(r.status).toBe(400);
		expect(r.text).toMatch(message);
	});
});

describe('F&O emulator: data events (RemoteExecutionContext)', () => {
	it('Create: Target with mserp_ lower-case fields, InitiatingUserId, null dates omitted, Dynamics headers', async () => {
		await register({ entity: 'ReleasedProductsV2', format: 'dataEvent', headers: { 'x-custom': 'yes' } });
		await h.call('POST', '/data/ReleasedProductsV2', { body: { ItemNumber: 'EV-1', ProductNumber: 'EV-1', SalesPrice: 9.5, ShipStartDate: '2024-06-01', ProductType: 'Service' } });
		await rx.waitFor(1);
		const { body, headers } = rx.received[0];
		const ctx = body as unknown as Ctx;
		expect(ctx.MessageName).toBe('Create');
		expect(ctx.InitiatingUserId).toBe(INTEGRATION_APP.objectId);
		expect(ctx.PrimaryEntityName).toBe('mserp_ecoresreleasedproductv2entity');
		const target = ctx.InputParameters.find((p) => p.key === 'Target')?.value;
		expect(target?.LogicalName).toBe('mserp_ecoresreleasedproductv2entity');
		expect(attr(target?.Attributes, 'mserp_itemnumber')).toBe('EV-1');
		expect(attr(target?.Attributes, 'mserp_dataareaid')).toBe('usmf');
		expect(attr(target?.Attributes, 'mserp_salesprice')).toBe(9.5);
		expect(attr(target?.Attributes, 'mserp_shipstartdate')).toBe(`/Date(${Date.parse('2024-06-01T12:00:00Z')})/`);
		expect(target?.Attributes?.some((a) => a.key === 'mserp_sellstartdate')).toBe(false);
		expect(attr(target?.Attributes, 'mserp_producttype')).toEqual({ __type: 'OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 200000002 });
		expect(ctx.PreEntityImages).toEqual([]);
		expect(typeof controlNumber(ctx)).toBe('number');
		expect(headers['x-ms-dynamics-request-name']).toBe('Create');
		expect(headers['x-ms-dynamics-entity-name']).toBe('mserp_ecoresreleasedproductv2entity');
		expect(headers['x-custom']).toBe('yes');
	});

	it('Update: Target has the changed fields and keys, PreEntityImages the old record', async () => {
		await register({ entity: 'CustomersV3', format: 'dataEvent' });
		await h.call('PATCH', customerPath('usmf', 'US-000003'), { body: { SalesMemo: 'changed' }, token: await h.token(USER_APP) });
		await rx.waitFor(1);
		const ctx = rx.received[0].body as unknown as Ctx;
		expect(ctx.MessageName).toBe('Update');
		expect(ctx.InitiatingUserId).toBe(USER_APP.objectId);
		const attrs = ctx.InputParameters[0].value.Attributes;
		expect(attr(attrs, 'mserp_salesmemo')).toBe('changed');
		expect(attr(attrs, 'mserp_customeraccount')).toBe('US-000003');
		expect(attr(attrs, 'mserp_dataareaid')).toBe('usmf');
		expect(attrs?.some((a) => a.key === 'mserp_organizationname')).toBe(false);
		const pre = ctx.PreEntityImages.find((i) => i.key === 'PreImage')?.value.Attributes;
		expect(attr(pre, 'mserp_salesmemo')).not.toBe('changed');
		expect(attr(pre, 'mserp_customergroupid')).toBeDefined();
	});

	it('Delete: Target is an EntityReference, PreEntityImages carries the deleted record', async () => {
		await register({ entity: 'CustomersV3', format: 'dataEvent' });
		await h.call('DELETE', customerPath('usmf', 'US-000004'));
		await rx.waitFor(1);
		const ctx = rx.received[0].body as unknown as Ctx;
		expect(ctx.MessageName).toBe('Delete');
		expect(ctx.InputParameters[0].value.__type).toMatch(/^EntityReference:/);
		expect(attr(ctx.PreEntityImages[0].value.Attributes, 'mserp_customeraccount')).toBe('US-000004');
	});

	it('filters by legal entity and by message', async () => {
		await register({ entity: 'CustomerGroups', format: 'dataEvent', legalEntity: 'demf', messages: ['Create'] });
		await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'EVUS' } });
		await h.call('POST', '/data/CustomerGroups', { body: { dataAreaId: 'demf', CustomerGroupId: 'EVDE' } });
		await h.call('PATCH', "/data/CustomerGroups(dataAreaId='demf',CustomerGroupId='EVDE')", { body: { Description: 'x' } });
		await rx.waitFor(1);
		await new Promise((r) => setTimeout(r, 150));
		expect(rx.received).toHaveLength(1);
		expect(attr((rx.received[0].body as unknown as Ctx).InputParameters[0].value.Attributes, 'mserp_customergroupid')).toBe('EVDE');
	});
});

describe('F&O emulator: business events', () => {
	it('flat JSON with the base contract fields, entity name, change type and keys', async () => {
		await register({ entity: 'CustomersV3', format: 'businessEvent' });
		const before = Date.now();
		await h.call('PATCH', customerPath('usmf', 'US-000005'), { body: { SalesMemo: 'be' }, token: await h.token(USER_APP) });
		await rx.waitFor(1);
		const e = rx.received[0].body;
		expect(e).toMatchObject({
			BusinessEventId: 'CustomerV3ChangedBusinessEvent',
			BusinessEventLegalEntity: 'usmf',
			InitiatingUserAADObjectId: `{${USER_APP.objectId.toUpperCase()}}`,
			MajorVersion: 0,
			MinorVersion: 0,
			EntityName: 'CustomersV3',
			ChangeType: 'Update',
			dataAreaId: 'usmf',
			CustomerAccount: 'US-000005',
		});
		expect(e.EventId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
		const ms = Number(/^\/Date\((\d+)\)\/$/.exec(e.EventTime as string)?.[1]);
		expect(ms).toBeGreaterThanOrEqual(before - 1000);
		expect(Date.parse(e.EventTimeIso8601 as string)).toBe(ms);
		expect(typeof e.ControlNumber).toBe('number');
	});

	it('ControlNumbers increase across changes and are shared by both formats for one change', async () => {
		await register({ entity: 'CustomerGroups', format: 'businessEvent' });
		await register({ entity: 'CustomerGroups', format: 'dataEvent' });
		for (const id of ['CN1', 'CN2', 'CN3']) await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: id } });
		await rx.waitFor(6);
		const business = rx.received.filter((r) => 'BusinessEventId' in r.body).map((r) => r.body.ControlNumber as number);
		const data = rx.received.filter((r) => 'MessageName' in r.body).map((r) => controlNumber(r.body as unknown as Ctx));
		expect(business).toHaveLength(3);
		expect([...business].sort((a, b) => a - b)).toEqual(business);
		expect(new Set(business).size).toBe(3);
		expect([...data].sort((a, b) => a - b)).toEqual(business);
	});
});

describe('F&O emulator: event delivery', () => {
	it('delivers the changes of a $batch change set only after commit, none for a rolled-back one', async () => {
		await register({ entity: 'CustomerGroups', format: 'businessEvent' });
		await h.batch([{ changeset: [{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'RB1' } }, { method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'RB1' } }] }]);
		await h.batch([{ changeset: [{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'OK1' } }, { method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'OK2' } }] }]);
		await rx.waitFor(2);
		await new Promise((r) => setTimeout(r, 150));
		expect(rx.received.map((r) => r.body.CustomerGroupId)).toEqual(['OK1', 'OK2']);
	});

	it('does not block the write: the response comes back while the receiver is still busy', async () => {
		rx.delayMs = 1500;
		await register({ entity: 'CustomerGroups', format: 'businessEvent' });
		const t0 = Date.now();
		const r = await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'FAST' } });
		expect(r.status).toBe(201);
		expect(Date.now() - t0).toBeLessThan(1000);
		expect(rx.received).toHaveLength(0);
		await rx.waitFor(1, 5000);
	});

	it('delivers in order per endpoint', async () => {
		await register({ entity: 'CustomersV3', format: 'businessEvent' });
		rx.script = [500];
		for (let i = 0; i < 5; i++) await h.call('PATCH', customerPath('usmf', 'US-000006'), { body: { CreditLimit: i + 1 } });
		await rx.waitFor(6);
		const delivered = rx.received.map((r) => r.body.ControlNumber as number);
		expect(delivered[0]).toBe(delivered[1]);
		const unique = delivered.slice(1);
		expect([...unique].sort((a, b) => a - b)).toEqual(unique);
	});

	it('retries 3 times on non-2xx, then logs the failure; resend delivers it', async () => {
		await register({ entity: 'CustomerGroups', format: 'businessEvent' });
		rx.script = [500, 503, 429, 400];
		await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'RETRY' } });
		await rx.waitFor(4);
		let errors: Array<{ id: string; attempts: number; lastError: string; payload: Record<string, unknown> }> = [];
		for (let i = 0; i < 100 && !errors.length; i++) {
			errors = (await h.get<{ value: typeof errors }>('/_emulator/events/errors')).value;
			if (!errors.length) await new Promise((r) => setTimeout(r, 20));
		}
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ attempts: 4, lastError: 'HTTP 400' });
		expect(errors[0].payload.CustomerGroupId).toBe('RETRY');
		expect(rx.received).toHaveLength(4);
		const resend = await h.call('POST', `/_emulator/events/errors/${errors[0].id}/resend`);
		expect(resend.status).toBe(202);
		await rx.waitFor(5);
		expect(rx.received[4].body.ControlNumber).toBe(errors[0].payload.ControlNumber);
		expect((await h.get<{ value: unknown[] }>('/_emulator/events/errors')).value).toEqual([]);
	});

	it('logs network errors (nothing listening) after the retries', async () => {
		const dead = await startReceiver();
		await dead.close();
		await h.call('POST', '/_emulator/events/endpoints', { body: { entity: 'CustomerGroups', format: 'dataEvent', url: dead.url } });
		await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'DEAD' } });
		let errors: Array<{ attempts: number; lastError: string; url: string }> = [];
		for (let i = 0; i < 200 && !errors.length; i++) {
			errors = (await h.get<{ value: typeof errors }>('/_emulator/events/errors')).value;
			if (!errors.length) await new Promise((r) => setTimeout(r, 20));
		}
		expect(errors).toHaveLength(1);
		expect(errors[0].attempts).toBe(4);
		expect(errors[0].url).toBe(dead.url);
		expect(errors[0].lastError).not.toMatch(/^HTTP/);
	});
});

describe('F&O emulator: close()', () => {
	it('stops pending deliveries without waiting for retry delays', async () => {
		const own = await startHarness({ eventRetryDelayMs: 10_000 });
		const sink = await startReceiver();
		try {
			sink.script = [500, 500, 500, 500];
			await own.call('POST', '/_emulator/events/endpoints', { body: { entity: 'CustomerGroups', format: 'businessEvent', url: sink.url } });
			await own.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'CLOSE' } });
			await sink.waitFor(1);
			const t0 = Date.now();
			await own.close();
			expect(Date.now() - t0).toBeLessThan(1000);
			await new Promise((r) => setTimeout(r, 100));
			expect(sink.received).toHaveLength(1);
		} finally {
			await sink.close();
		}
	});
});
