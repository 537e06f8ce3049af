import type { BatchResponseItem, BatchResponsePart } from '../../../../emulators/common/multipart';
import { customerPath, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

const bodyOf = (p: BatchResponsePart) => JSON.parse(Buffer.isBuffer(p.body) ? p.body.toString('utf8') : String(p.body ?? '')) as Record<string, unknown>;
const single = (item: BatchResponseItem | undefined): BatchResponsePart => {
	if (!item || item.kind !== 'response') throw new Error(`expected a single response, got ${JSON.stringify(item)}`);
	return item;
};
const changeset = (item: BatchResponseItem | undefined): BatchResponsePart[] => {
	if (!item || item.kind !== 'changeset') throw new Error(`expected a change set, got ${JSON.stringify(item)}`);
	return item.parts;
};

describe('F&O emulator: $batch', () => {
	it('runs top-level requests independently: overall 200, each part with its own status', async () => {
		const r = await h.batch([
			{ method: 'GET', url: 'CustomerGroups?$top=2', contentId: '1' },
			{ method: 'GET', url: `${h.url}${customerPath('usmf', 'NOPE')}` },
			{ method: 'GET', url: "/data/Currencies('USD')" },
		]);
		expect(r.status).toBe(200);
		expect(r.items.map((i) => single(i).status)).toEqual([200, 404, 200]);
		expect(single(r.items[0]).contentId).toBe('1');
		expect((bodyOf(single(r.items[0])).value as unknown[]).length).toBe(2);
		expect(bodyOf(single(r.items[2])).CurrencyCode).toBe('USD');
	});

	it('commits a change set atomically, with Content-ID references to entities created earlier in it', async () => {
		const r = await h.batch([
			{
				changeset: [
					{ method: 'POST', url: 'CustomerGroups', contentId: '1', body: { CustomerGroupId: 'BATCH', Description: 'from batch' } },
					{ method: 'PATCH', url: '$1', contentId: '2', body: { Description: 'patched via $1' } },
					{ method: 'POST', url: 'CustomersV3', contentId: '3', body: { CustomerAccount: 'B-001', CustomerGroupId: 'BATCH' } },
					{ method: 'DELETE', url: customerPath('usmf', 'US-000020').slice('/data/'.length), contentId: '4' },
				],
			},
		]);
		expect(r.status).toBe(200);
		const parts = changeset(r.items[0]);
		expect(parts.map((p) => p.status)).toEqual([201, 204, 201, 204]);
		expect(parts.map((p) => p.contentId)).toEqual(['1', '2', '3', '4']);
		expect((await h.get("/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='BATCH')")).Description).toBe('patched via $1');
		expect((await h.get(customerPath('usmf', 'B-001'))).CustomerGroupId).toBe('BATCH');
		expect((await h.call('GET', customerPath('usmf', 'US-000020'))).status).toBe(404);
	});

	it('rolls back the whole change set when one operation fails, answering with the failed operation', async () => {
		const before = await h.get(customerPath('usmf', 'US-000021'));
		const r = await h.batch([
			{
				changeset: [
					{ method: 'POST', url: 'CustomerGroups', contentId: '1', body: { CustomerGroupId: 'ROLLBK' } },
					{ method: 'PATCH', url: customerPath('usmf', 'US-000021').slice('/data/'.length), contentId: '2', body: { SalesMemo: 'should vanish' } },
					{ method: 'DELETE', url: customerPath('usmf', 'US-000022').slice('/data/'.length), contentId: '3' },
					{ method: 'POST', url: 'CustomersV3', contentId: '4', body: { CustomerAccount: 'US-000001', CustomerGroupId: '10' } },
					{ method: 'POST', url: 'CustomersV3', contentId: '5', body: { CustomerAccount: 'NEVER', CustomerGroupId: '10' } },
				],
			},
			{ method: 'GET', url: "CustomerGroups?$filter=CustomerGroupId%20eq%20'ROLLBK'" },
		]);
		expect(r.status).toBe(200);
		const failed = single(r.items[0]);
		expect(failed.status).toBe(500);
		expect(failed.contentId).toBe('4');
		expect((bodyOf(failed).error as { innererror: { message: string } }).innererror.message).toMatch(/The record already exists/);
		expect(bodyOf(single(r.items[1])).value).toEqual([]);
		expect((await h.call('GET', "/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='ROLLBK')")).status).toBe(404);
		expect(await h.get(customerPath('usmf', 'US-000021'))).toEqual(before);
		expect((await h.call('GET', customerPath('usmf', 'US-000022'))).status).toBe(200);
		expect((await h.call('GET', customerPath('usmf', 'NEVER'))).status).toBe(404);
	});

	it('keeps RecId order after a rolled-back delete, so paging stays stable', async () => {
		const order = async () => (await h.get<{ value: Array<{ CustomerAccount: string }> }>('/data/CustomersV3?$select=CustomerAccount&$top=100')).value.map((v) => v.CustomerAccount);
		const before = await order();
		await h.batch([
			{
				changeset: [
					{ method: 'DELETE', url: customerPath('usmf', 'US-000002').slice('/data/'.length) },
					{ method: 'PATCH', url: customerPath('usmf', 'NOPE').slice('/data/'.length), body: {} },
				],
			},
		]);
		expect(await order()).toEqual(before);
	});

	it('a failing top-level request does not affect the others', async () => {
		const r = await h.batch([
			{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'TOP1' } },
			{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'TOP1' } },
			{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'TOP2' } },
		]);
		expect(r.items.map((i) => single(i).status)).toEqual([201, 500, 201]);
		expect((await h.call('GET', "/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='TOP2')")).status).toBe(200);
	});

	it('rejects GET inside a change set and rolls the change set back', async () => {
		const r = await h.batch([{ changeset: [{ method: 'POST', url: 'CustomerGroups', body: { CustomerGroupId: 'CSGET' } }, { method: 'GET', url: 'CustomerGroups' }] }]);
		expect(single(r.items[0]).status).toBe(400);
		expect((await h.call('GET', "/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='CSGET')")).status).toBe(404);
	});

	it.each([
		['no boundary', 'multipart/mixed', '--b\r\n\r\n--b--'],
		['wrong content type', 'application/json', '{}'],
		['missing closing delimiter', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nGET CustomerGroups HTTP/1.1\r\n\r\n'],
		['bad request line', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nFETCH\r\n\r\n--b--\r\n'],
	])('400 for a broken multipart body (%s), nothing executed', async (_name, contentType, body) => {
		const before = Number((await h.call('GET', '/data/CustomerGroups/$count')).text);
		const r = await h.call('POST', '/data/$batch', { body: body.replace('GET CustomerGroups', 'POST CustomerGroups'), headers: { 'content-type': contentType } });
		expect(r.status).toBe(400);
		expect(r.json<{ error: { message: string } }>().error.message).toMatch(/batch request is not valid/);
		expect(Number((await h.call('GET', '/data/CustomerGroups/$count')).text)).toBe(before);
	});

	it('405 for GET /data/$batch', async () => {
		expect((await h.call('GET', '/data/$batch')).status).toBe(405);
	});
});
