import { parseBatchResponse, type BatchResponsePart } from '../../../../emulators/common/multipart';
import { batchBody, startHarness, type Harness, type PartSpec } from './harness';

let h: Harness;
let usmf: string;
beforeAll(async () => {
	h = await startHarness();
	usmf = await h.companyId('usmf');
});
afterAll(() => h.close());

async function batch(items: Parameters<typeof batchBody>[0], headers: Record<string, string> = {}) {
	const { contentType, body } = batchBody(items);
	const r = await h.req('POST', '$batch', { headers: { 'content-type': contentType, ...headers }, body });
	return { r, parts: r.status === 200 ? parseBatchResponse(r.headers.get('content-type') ?? '', Buffer.from(r.text, 'utf8')) : [] };
}
const count = async (filter: string) => (await h.req('GET', `accounts/$count?$filter=${filter}`)).text;
const akey = (n: string) => `accounts(accountnumber='${n}',_msdyn_company_value=${usmf})`;

describe('$batch', () => {
	it('answers 200 multipart with batchresponse_/changesetresponse_ boundaries and per-part statuses', async () => {
		const { r, parts } = await batch([
			{ method: 'GET', url: 'WhoAmI' },
			{ changeset: [{ method: 'POST', url: 'accounts', body: { name: 'B1', accountnumber: 'B-1', 'msdyn_company@odata.bind': `/cdm_companies(${usmf})` }, contentId: '1' }] },
		]);
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
		expect(r.text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]{36}/);
		expect(r.text).toContain('HTTP/1.1 204 No Content');
		expect(parts[0]).toMatchObject({ kind: 'response', status: 200 });
		const cs = parts[1];
		expect(cs.kind).toBe('changeset');
		if (cs.kind === 'changeset') {
			expect(cs.parts[0]).toMatchObject({ status: 204, contentId: '1' });
			expect(cs.parts[0].headers?.['odata-entityid']).toMatch(/\/accounts\([0-9a-f-]{36}\)$/);
			expect(cs.parts[0].headers?.location).toBe(cs.parts[0].headers?.['odata-entityid']);
		}
	});

	it('resolves $n Content-ID references in URLs and in @odata.bind inside a change set', async () => {
		const { parts } = await batch([
			{
				changeset: [
					{ method: 'POST', url: 'accounts', contentId: '1', body: { name: 'Parent', accountnumber: 'B-P', 'msdyn_company@odata.bind': `/cdm_companies(${usmf})` } },
					{ method: 'POST', url: 'contacts', contentId: '2', body: { lastname: 'Child', 'parentcustomerid_account@odata.bind': '$1' } },
					{ method: 'PATCH', url: '$1', contentId: '3', body: { telephone1: 'via ref' } },
				],
			},
		]);
		const cs = parts[0];
		expect(cs.kind).toBe('changeset');
		const parent = await h.req('GET', `${akey('B-P')}?$select=telephone1`);
		expect(parent.json.telephone1).toBe('via ref');
		const child = await h.req('GET', `contacts?$select=_parentcustomerid_value&$filter=lastname eq 'Child'`);
		expect(child.json.value[0]._parentcustomerid_value).toBe(parent.json.accountid);
	});

	it('a change set is atomic: one failing part rolls back the others and the error is reported once', async () => {
		const { parts } = await batch([
			{
				changeset: [
					{ method: 'POST', url: 'accounts', contentId: '1', body: { name: 'Atomic 1', accountnumber: 'AT-1' } },
					{ method: 'POST', url: 'accounts', contentId: '2', body: { name: 'Atomic 2', accountnumber: 'AT-2', customertypecode: 999 } },
				],
			},
		]);
		expect(parts).toHaveLength(1);
		expect(parts[0]).toMatchObject({ kind: 'response', status: 400, contentId: '2' });
		expect(JSON.parse(String((parts[0] as BatchResponsePart).body)).error.code).toBe('0x8004431a');
		expect(await count("startswith(accountnumber,'AT-')")).toBe('0');
	});

	it('stops at the first error by default', async () => {
		const { parts } = await batch([
			{ method: 'POST', url: 'accounts', body: { name: 'Stop 1', accountnumber: 'ST-1' } },
			{ method: 'POST', url: 'accounts', body: { name: 'x'.repeat(500), accountnumber: 'ST-2' } },
			{ method: 'POST', url: 'accounts', body: { name: 'Stop 3', accountnumber: 'ST-3' } },
		]);
		expect(parts.map((p) => (p.kind === 'response' ? p.status : 0))).toEqual([204, 400]);
		expect(await count("startswith(accountnumber,'ST-')")).toBe('1');
	});

	it('continues after errors with Prefer: odata.continue-on-error', async () => {
		const { parts } = await batch(
			[
				{ method: 'POST', url: 'accounts', body: { name: 'Cont 1', accountnumber: 'CO-1' } },
				{ method: 'POST', url: 'accounts', body: { name: 'x'.repeat(500), accountnumber: 'CO-2' } },
				{ method: 'POST', url: 'accounts', body: { name: 'Cont 3', accountnumber: 'CO-3' } },
			],
			{ prefer: 'odata.continue-on-error' },
		);
		expect(parts.map((p) => (p.kind === 'response' ? p.status : 0))).toEqual([204, 400, 204]);
		expect(await count("startswith(accountnumber,'CO-')")).toBe('2');
	});

	it('refuses GET inside a change set and rolls the change set back', async () => {
		const { parts } = await batch([
			{ changeset: [{ method: 'POST', url: 'accounts', contentId: '1', body: { name: 'G1', accountnumber: 'GC-1' } }, { method: 'GET', url: 'accounts', contentId: '2' }] },
		]);
		expect(parts[0]).toMatchObject({ status: 400 });
		expect(await count("accountnumber eq 'GC-1'")).toBe('0');
	});

	it('accepts 1,000 upserts and refuses 1,001 with 400, changing nothing', async () => {
		const mk = (n: number, prefix: string): PartSpec[] =>
			Array.from({ length: n }, (_, i) => ({ method: 'PATCH', url: `accounts(accountnumber='${prefix}-${i}',_msdyn_company_value=${usmf})`, body: { name: `Bulk ${i}` } }));
		const over = await batch([{ changeset: mk(1001, 'OV') }]);
		expect(over.r.status).toBe(400);
		expect(over.r.json.error.message).toMatch(/maximum number of '1000'/);
		expect(await count("startswith(accountnumber,'OV-')")).toBe('0');
		const ok = await batch([{ changeset: mk(1000, 'BK') }]);
		expect(ok.r.status).toBe(200);
		expect(await count("startswith(accountnumber,'BK-')")).toBe('1000');
	});

	it.each([
		['no boundary in Content-Type', 'multipart/mixed', '--batch_x\r\n\r\n--batch_x--'],
		['a body without the boundary', 'multipart/mixed; boundary=batch_x', 'garbage'],
		['an unterminated part', 'multipart/mixed; boundary=batch_x', '--batch_x\r\nContent-Type: application/http\r\n\r\nPOST accounts HTTP/1.1\r\n\r\n{}'],
		['a bad request line', 'multipart/mixed; boundary=batch_x', '--batch_x\r\nContent-Type: application/http\r\n\r\nFETCH\r\n\r\n--batch_x--'],
		['a nested batch', 'multipart/mixed; boundary=batch_x', '--batch_x\r\nContent-Type: application/http\r\n\r\nPOST $batch HTTP/1.1\r\n\r\n--batch_x--'],
	])('broken multipart (%s) -> 400', async (_label, ct, body) => {
		const before = (await h.req('GET', 'accounts/$count')).text;
		const r = await h.req('POST', '$batch', { headers: { 'content-type': ct }, body });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/^The batch request is not valid: /);
		expect((await h.req('GET', 'accounts/$count')).text).toBe(before);
	});

	it('needs a token on the batch itself', async () => {
		const { contentType, body } = batchBody([{ method: 'GET', url: 'WhoAmI' }]);
		expect((await h.req('POST', '$batch', { headers: { 'content-type': contentType }, body, token: null })).status).toBe(401);
	});
});

describe('change tracking', () => {
	it('returns a deltaLink, then changed rows and $deletedEntity rows, then a new deltaLink', async () => {
		await h.req('PATCH', akey('CT-1'), { body: { name: 'ct one' } });
		await h.req('PATCH', akey('CT-2'), { body: { name: 'ct two' } });
		const first = await h.req('GET', 'accounts?$select=name,accountnumber', { headers: { prefer: 'odata.track-changes' } });
		expect(first.status).toBe(200);
		expect(first.headers.get('preference-applied')).toBe('odata.track-changes');
		const deltaLink = first.json['@odata.deltaLink'] as string;
		expect(deltaLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/accounts\?\$select=name,accountnumber&\$deltatoken=\d+%21\d\d%2F\d\d%2F\d{4}%20\d\d%3A\d\d%3A\d\d$/);
		expect(first.json.value.some((v: { accountnumber: string }) => v.accountnumber === 'CT-1')).toBe(true);

		const ct2 = (await h.req('GET', akey('CT-2'))).json.accountid as string;
		await h.req('PATCH', akey('CT-1'), { body: { name: 'ct one changed' } });
		await h.req('PATCH', akey('CT-3'), { body: { name: 'ct three' } });
		await h.req('DELETE', akey('CT-2'));

		const delta = await h.req('GET', deltaLink);
		expect(delta.json['@odata.context']).toBe(`${h.api}/$metadata#accounts(name,accountnumber)/$delta`);
		const values = delta.json.value as Array<Record<string, unknown>>;
		expect(values.map((v) => v.accountnumber ?? v.id)).toEqual(['CT-1', 'CT-3', ct2]);
		expect(values[0].name).toBe('ct one changed');
		expect(values[2]).toEqual({ '@odata.context': `${h.api}/$metadata#accounts/$deletedEntity`, id: ct2, reason: 'deleted' });

		const again = await h.req('GET', delta.json['@odata.deltaLink'] as string);
		expect(again.json.value).toEqual([]);
		expect(again.json['@odata.deltaLink']).toBeDefined();
	});

	it.each(['$filter=name eq \'x\'', '$orderby=name', '$top=1', '$expand=msdyn_company'])('refuses %s with track-changes', async (q) => {
		const r = await h.req('GET', `accounts?${q}`, { headers: { prefer: 'odata.track-changes' } });
		expect(r.status).toBe(400);
		const opt = q.split('=')[0];
		expect(r.json.error.message).toBe(`The "${opt}" query parameter isn't supported when Change Tracking is enabled.`);
	});

	it('pages the initial tracked read and ends with a deltaLink that misses nothing', async () => {
		let r = await h.req('GET', 'accounts?$select=accountnumber', { headers: { prefer: 'odata.track-changes,odata.maxpagesize=3' } });
		const rows: string[] = [];
		while (r.json['@odata.nextLink']) {
			rows.push(...r.json.value.map((v: { accountid: string }) => v.accountid));
			// A change made while paging must show up in the next delta.
			if (rows.length === 3) await h.req('PATCH', akey('CT-PAGE'), { body: { name: 'during paging' } });
			r = await h.req('GET', r.json['@odata.nextLink'] as string, { headers: { prefer: 'odata.track-changes,odata.maxpagesize=3' } });
		}
		rows.push(...r.json.value.map((v: { accountid: string }) => v.accountid));
		expect(new Set(rows).size).toBe(rows.length);
		const delta = await h.req('GET', r.json['@odata.deltaLink'] as string);
		expect(delta.json.value.map((v: { accountnumber: string }) => v.accountnumber)).toContain('CT-PAGE');
	});

	it('rolled-back writes do not appear in a delta', async () => {
		const first = await h.req('GET', 'accounts?$select=accountnumber', { headers: { prefer: 'odata.track-changes' } });
		await batch([{ changeset: [{ method: 'PATCH', url: akey('RB-1'), body: { name: 'rb' } }, { method: 'POST', url: 'accounts', body: { name: 1 } }] }]);
		const delta = await h.req('GET', first.json['@odata.deltaLink'] as string);
		expect(delta.json.value).toEqual([]);
	});
});
