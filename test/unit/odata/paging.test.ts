import { ODataError, readPages, type HttpRequest, type HttpResponse, type Page, type Transport } from '../../../lib/odata';

const ROOT = 'https://fo.example/data/';

/** An in-memory server: URL -> response; records every request it sees. */
function fakeServer(routes: Record<string, HttpResponse | (() => HttpResponse)>) {
	const requests: HttpRequest[] = [];
	const transport: Transport = async (request) => {
		requests.push(request);
		const route = routes[request.url];
		if (route === undefined) return { status: 404, headers: {}, body: `{"error":{"code":"","message":"no route ${request.url}"}}` };
		return typeof route === 'function' ? route() : route;
	};
	return { transport, requests };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
	return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

async function collect(pages: AsyncGenerator<Page>): Promise<Page[]> {
	const out: Page[] = [];
	for await (const page of pages) out.push(page);
	return out;
}

describe('readPages', () => {
	it('follows absolute and relative nextLinks and yields one page at a time', async () => {
		const { transport, requests } = fakeServer({
			[`${ROOT}CustomersV3?$count=true`]: json({
				'@odata.count': 5,
				value: [{ id: 1 }, { id: 2 }],
				'@odata.nextLink': `${ROOT}CustomersV3?$count=true&$skip=2`,
			}),
			[`${ROOT}CustomersV3?$count=true&$skip=2`]: json({ value: [{ id: 3 }, { id: 4 }], '@odata.nextLink': 'CustomersV3?$count=true&$skip=4' }),
			[`${ROOT}CustomersV3?$count=true&$skip=4`]: json({ value: [{ id: 5 }] }),
		});
		const generator = readPages(transport, `${ROOT}CustomersV3?$count=true`, { context: { system: 'fo', entity: 'CustomersV3' } });
		const first = await generator.next();
		// Lazy: only the first page has been requested when the first page is handed out.
		expect(requests).toHaveLength(1);
		expect(first.value).toMatchObject({ index: 0, count: 5, records: [{ id: 1 }, { id: 2 }] });
		const rest = await collect(generator);
		expect(rest.map((page) => page.records.map((record) => record.id))).toEqual([[3, 4], [5]]);
		expect(rest[0].url).toBe(`${ROOT}CustomersV3?$count=true&$skip=2`);
		expect(rest[1].url).toBe(`${ROOT}CustomersV3?$count=true&$skip=4`);
		expect(rest[1].nextLink).toBeUndefined();
		expect(requests.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
		expect(requests[0].headers).toEqual({ Accept: 'application/json' });
	});

	it('stops early when the consumer stops', async () => {
		const { transport, requests } = fakeServer({
			[`${ROOT}A`]: json({ value: [1], '@odata.nextLink': `${ROOT}B` }),
			[`${ROOT}B`]: json({ value: [2], '@odata.nextLink': `${ROOT}C` }),
		});
		for await (const page of readPages(transport, `${ROOT}A`, { context: { system: 'fo' } })) {
			expect(page.index).toBe(0);
			break;
		}
		expect(requests).toHaveLength(1);
	});

	it('sends Prefer: odata.maxpagesize on every page, merged with other preferences', async () => {
		const dv = 'https://org.crm.dynamics.com/api/data/v9.2/';
		const { transport, requests } = fakeServer({
			[`${dv}accounts`]: json({ value: [{}], '@odata.nextLink': `${dv}accounts?$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E` }),
			[`${dv}accounts?$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E`]: json({
				value: [{}],
				'@odata.deltaLink': `${dv}accounts?$deltatoken=919042%2108%2f22%2f2017`,
			}),
		});
		const pages = await collect(
			readPages(transport, `${dv}accounts`, {
				context: { system: 'dataverse', entity: 'accounts' },
				maxPageSize: 500,
				headers: { prefer: 'odata.include-annotations="*",odata.maxpagesize=10', 'OData-Version': '4.0' },
			}),
		);
		expect(pages).toHaveLength(2);
		expect(pages[1].deltaLink).toBe(`${dv}accounts?$deltatoken=919042%2108%2f22%2f2017`);
		for (const request of requests) {
			expect(request.headers).toEqual({
				prefer: 'odata.include-annotations="*",odata.maxpagesize=500',
				'OData-Version': '4.0',
				Accept: 'application/json',
			});
		}
		await expect(readPages(transport, `${dv}accounts`, { context: { system: 'dataverse' }, maxPageSize: 0 }).next()).rejects.toThrow(
			/maxPageSize must be a positive integer/,
		);
	});

	it('surfaces an error mid-stream as an ODataError after yielding earlier pages', async () => {
		const { transport } = fakeServer({
			[`${ROOT}CustomersV3`]: json({ value: [{ id: 1 }], '@odata.nextLink': `${ROOT}CustomersV3?$skip=1` }),
			[`${ROOT}CustomersV3?$skip=1`]: json({ error: { code: '', message: 'An error has occurred.' } }, 500),
		});
		const seen: number[] = [];
		let caught: unknown;
		try {
			for await (const page of readPages(transport, `${ROOT}CustomersV3`, { context: { system: 'fo', entity: 'CustomersV3' } })) {
				seen.push(page.index);
			}
		} catch (error) {
			caught = error;
		}
		expect(seen).toEqual([0]);
		expect(caught).toBeInstanceOf(ODataError);
		expect(caught).toMatchObject({ status: 500, entity: 'CustomersV3', system: 'fo', serverMessage: 'An error has occurred.' });
	});

	it('retries a throttled page when a retry policy is given', async () => {
		let calls = 0;
		const { transport } = fakeServer({
			[`${ROOT}A`]: () => (++calls === 1 ? json({ error: { code: '', message: 'slow down' } }, 429, { 'retry-after': '2' }) : json({ value: [1] })),
		});
		const sleeps: number[] = [];
		const pages = await collect(
			readPages(transport, `${ROOT}A`, { context: { system: 'fo' }, retry: { sleep: async (ms) => void sleeps.push(ms) } }),
		);
		expect(pages[0].records).toEqual([1]);
		expect(sleeps).toEqual([2000]);
	});

	it('detects a nextLink loop', async () => {
		const { transport, requests } = fakeServer({
			[`${ROOT}A`]: json({ value: [1], '@odata.nextLink': `${ROOT}B` }),
			[`${ROOT}B`]: json({ value: [2], '@odata.nextLink': 'A' }),
		});
		const seen: unknown[] = [];
		await expect(
			(async () => {
				for await (const page of readPages(transport, `${ROOT}A`, { context: { system: 'fo', entity: 'A' } })) seen.push(...page.records);
			})(),
		).rejects.toThrow(`F&O A: nextLink loop: page 1 links back to ${ROOT}A`);
		expect(seen).toEqual([1]);
		expect(requests).toHaveLength(2);
	});

	it('detects a page linking to itself', async () => {
		const { transport } = fakeServer({ [`${ROOT}A?$skip=0`]: json({ value: [], '@odata.nextLink': `${ROOT}A?$skip=0` }) });
		await expect(collect(readPages(transport, `${ROOT}A?$skip=0`, { context: { system: 'fo' } }))).rejects.toThrow(/nextLink loop/);
	});

	it('refuses a nextLink to another origin (it would receive our credentials)', async () => {
		const { transport, requests } = fakeServer({ [`${ROOT}A`]: json({ value: [], '@odata.nextLink': 'https://evil.example/data/A' }) });
		await expect(collect(readPages(transport, `${ROOT}A`, { context: { system: 'fo' } }))).rejects.toThrow(
			/nextLink points to another origin \(https:\/\/evil\.example\)/,
		);
		expect(requests).toHaveLength(1);
	});

	it('rejects bodies that are not OData collections', async () => {
		const { transport } = fakeServer({
			[`${ROOT}html`]: { status: 200, headers: {}, body: '<html></html>' },
			[`${ROOT}entity`]: json({ id: 1 }),
		});
		await expect(collect(readPages(transport, `${ROOT}html`, { context: { system: 'fo' } }))).rejects.toThrow(/page 0 is not JSON/);
		await expect(collect(readPages(transport, `${ROOT}entity`, { context: { system: 'fo' } }))).rejects.toThrow(/no "value" array/);
	});

	it('yields an empty last page and reads string counts', async () => {
		const { transport } = fakeServer({ [`${ROOT}A`]: json({ '@odata.count': '0', value: [] }) });
		const pages = await collect(readPages(transport, `${ROOT}A`, { context: { system: 'fo' } }));
		expect(pages).toEqual([{ records: [], count: 0, url: `${ROOT}A`, index: 0 }]);
	});
});
