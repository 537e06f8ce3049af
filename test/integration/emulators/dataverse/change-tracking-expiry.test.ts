/** Change tracking: paged deltas and expired tokens (ExpiredVersionStamp, 0x80044352). */
import { startHarness, type Harness } from './harness';

let h: Harness;
let usmf: string;
beforeAll(async () => {
	h = await startHarness();
	usmf = await h.companyId('usmf');
});
afterAll(() => h.close());

const akey = (n: string) => `accounts(accountnumber='${n}',_msdyn_company_value=${usmf})`;
const tracking = (pageSize?: number) => ({ prefer: pageSize ? `odata.track-changes,odata.maxpagesize=${pageSize}` : 'odata.track-changes' });

async function deltaLinkNow(): Promise<string> {
	let r = await h.req('GET', 'accounts?$select=accountnumber', { headers: tracking() });
	while (r.json['@odata.nextLink']) r = await h.req('GET', r.json['@odata.nextLink'] as string, { headers: tracking() });
	return r.json['@odata.deltaLink'] as string;
}

describe('paged deltas', () => {
	it('pages a delta by odata.maxpagesize; nextLinks keep the token, and the last page carries the next deltaLink', async () => {
		const link = await deltaLinkNow();
		for (const n of ['PD-1', 'PD-2', 'PD-3', 'PD-4', 'PD-5']) await h.req('PATCH', akey(n), { body: { name: n } });
		const gone = (await h.req('GET', akey('PD-2'))).json.accountid as string;
		await h.req('DELETE', akey('PD-2'));

		const seen: unknown[] = [];
		let r = await h.req('GET', link, { headers: tracking(2) });
		let pages = 1;
		while (r.json['@odata.nextLink']) {
			expect(r.json.value).toHaveLength(2);
			expect(r.json['@odata.deltaLink']).toBeUndefined();
			expect(r.json['@odata.nextLink']).toContain('$deltatoken=');
			seen.push(...(r.json.value as Array<Record<string, unknown>>).map((v) => v.accountnumber ?? v.id));
			// A change made while paging belongs to the next delta, not to this one.
			if (pages === 1) await h.req('PATCH', akey('PD-LATE'), { body: { name: 'late' } });
			r = await h.req('GET', r.json['@odata.nextLink'] as string, { headers: tracking(2) });
			pages++;
		}
		seen.push(...(r.json.value as Array<Record<string, unknown>>).map((v) => v.accountnumber ?? v.id));
		expect(pages).toBe(3);
		expect(seen).toEqual(['PD-1', 'PD-3', 'PD-4', 'PD-5', gone]);

		const next = await h.req('GET', r.json['@odata.deltaLink'] as string, { headers: tracking(2) });
		expect((next.json.value as Array<Record<string, unknown>>).map((v) => v.accountnumber)).toEqual(['PD-LATE']);
		expect(next.json['@odata.deltaLink']).toBeDefined();
	});
});

describe('expired tokens', () => {
	it('answers 400 ExpiredVersionStamp for tokens issued before POST /_emulator/changetracking/expire; a new baseline works', async () => {
		const old = await deltaLinkNow();
		const expire = await fetch(`${h.url}/_emulator/changetracking/expire`, { method: 'POST' });
		expect(expire.status).toBe(200);
		const r = await h.req('GET', old);
		expect(r.status).toBe(400);
		expect(r.json.error).toEqual({ code: '0x80044352', message: 'Version stamp associated with the client has expired. Please perform a full sync.' });

		const fresh = await deltaLinkNow();
		await h.req('PATCH', akey('EXP-1'), { body: { name: 'after re-baseline' } });
		const delta = await h.req('GET', fresh);
		expect(delta.status).toBe(200);
		expect((delta.json.value as Array<Record<string, unknown>>).map((v) => v.accountnumber)).toEqual(['EXP-1']);
	});

	it('expires tokens older than expireChangeTrackingInDays, and still calls a malformed token invalid', async () => {
		const link = new URL(await deltaLinkNow());
		const version = (link.searchParams.get('$deltatoken') as string).split('!')[0];
		link.searchParams.set('$deltatoken', `${version}!01/01/2020 00:00:00`);
		const old = await h.req('GET', link.href);
		expect(old.status).toBe(400);
		expect(old.json.error.code).toBe('0x80044352');

		link.searchParams.set('$deltatoken', 'not-a-token');
		const bad = await h.req('GET', link.href);
		expect(bad.status).toBe(400);
		expect(bad.json.error).toEqual({ code: '0x80040203', message: "The delta token 'not-a-token' is not valid." });
	});
});
