import {
	decodeBatchResponse,
	encodeBatch,
	ODataError,
	type BatchItem,
	type BatchNotExecutedResult,
	type BatchResponseResult,
	type EncodedBatch,
	type HttpResponse,
} from '../../../lib/odata';
import { parseHttpResponseLines, splitLines, splitMultipart } from '../../../lib/odata/multipart';

const FO_ROOT = 'https://usnconeboxax1aos.cloud.onebox.dynamics.com/data/';
const DV_ROOT = 'https://org.crm.dynamics.com/api/data/v9.2/';

function ids(...values: string[]) {
	const queue = [...values];
	return () => queue.shift() ?? 'exhausted';
}

const crlf = (...lines: string[]) => lines.join('\r\n');

const FO_WRITE_FAILURE = JSON.stringify({
	error: {
		code: '',
		message: 'An error has occurred.',
		innererror: {
			message:
				"Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.",
			type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
			stacktrace: '   at ...',
		},
	},
});

const customerKey = (account: string) => ({ dataAreaId: 'usmf', CustomerAccount: account });

/** GET outside, then a changeset of two writes, then a single DELETE. */
function foBatch(): EncodedBatch {
	const items: BatchItem[] = [
		{ method: 'GET', url: "CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')", entity: 'CustomersV3', key: customerKey('US-001') },
		{
			changeset: [
				{ method: 'POST', url: 'CustomersV3', body: { dataAreaId: 'usmf', CustomerAccount: 'US-900', CustomerGroupId: 'Local' }, entity: 'CustomersV3', key: customerKey('US-900') },
				{
					method: 'PATCH',
					url: "CustomersV3(dataAreaId='usmf',CustomerAccount='US-002')",
					headers: { 'If-Match': '*' },
					body: { Name: 'Renamed' },
					entity: 'CustomersV3',
					key: customerKey('US-002'),
				},
			],
		},
		{ method: 'DELETE', url: "CustomersV3(dataAreaId='usmf',CustomerAccount='US-003')", headers: { 'If-Match': '*' }, entity: 'CustomersV3', key: customerKey('US-003') },
	];
	return encodeBatch(items, { serviceRoot: FO_ROOT, urlStyle: 'relative', newId: ids('B1', 'C1') });
}

describe('encodeBatch', () => {
	it('writes the documented multipart shape with CRLF line endings', () => {
		const batch = foBatch();
		expect(batch.request.method).toBe('POST');
		expect(batch.request.url).toBe(`${FO_ROOT}$batch`);
		expect(batch.request.headers).toEqual({
			Accept: 'application/json',
			'OData-MaxVersion': '4.0',
			'OData-Version': '4.0',
			'Content-Type': 'multipart/mixed; boundary=batch_B1',
		});
		expect(batch.request.body).toBe(
			crlf(
				'--batch_B1',
				'Content-Type: application/http',
				'Content-Transfer-Encoding: binary',
				'Content-ID: 1',
				'',
				"GET CustomersV3(dataAreaId='usmf',CustomerAccount='US-001') HTTP/1.1",
				'Accept: application/json',
				'',
				'',
				'--batch_B1',
				'Content-Type: multipart/mixed; boundary=changeset_C1',
				'',
				'--changeset_C1',
				'Content-Type: application/http',
				'Content-Transfer-Encoding: binary',
				'Content-ID: 2',
				'',
				'POST CustomersV3 HTTP/1.1',
				'Accept: application/json',
				'Content-Type: application/json',
				'',
				'{"dataAreaId":"usmf","CustomerAccount":"US-900","CustomerGroupId":"Local"}',
				'--changeset_C1',
				'Content-Type: application/http',
				'Content-Transfer-Encoding: binary',
				'Content-ID: 3',
				'',
				"PATCH CustomersV3(dataAreaId='usmf',CustomerAccount='US-002') HTTP/1.1",
				'Accept: application/json',
				'Content-Type: application/json',
				'If-Match: *',
				'',
				'{"Name":"Renamed"}',
				'--changeset_C1--',
				'--batch_B1',
				'Content-Type: application/http',
				'Content-Transfer-Encoding: binary',
				'Content-ID: 4',
				'',
				"DELETE CustomersV3(dataAreaId='usmf',CustomerAccount='US-003') HTTP/1.1",
				'Accept: application/json',
				'If-Match: *',
				'',
				'',
				'--batch_B1--',
				'',
			),
		);
		expect(batch.request.body).not.toMatch(/[^\r]\n/);
		expect(batch.operations.map((operation) => [operation.index, operation.contentId, operation.changesetItem])).toEqual([
			[0, '1', undefined],
			[1, '2', 1],
			[2, '3', 1],
			[3, '4', undefined],
		]);
	});

	it('is read back by a multipart parser into the same requests', () => {
		const batch = foBatch();
		const parts = splitMultipart(splitLines(batch.request.body as string), 'batch_B1');
		expect(parts).toHaveLength(3);
		expect(parts[1].headers['content-type']).toBe('multipart/mixed; boundary=changeset_C1');
		const inner = splitMultipart(parts[1].bodyLines, 'changeset_C1');
		expect(inner.map((part) => part.headers['content-id'])).toEqual(['2', '3']);
		expect(inner[1].bodyLines.filter((line) => line !== '')).toEqual([
			"PATCH CustomersV3(dataAreaId='usmf',CustomerAccount='US-002') HTTP/1.1",
			'Accept: application/json',
			'Content-Type: application/json',
			'If-Match: *',
			'{"Name":"Renamed"}',
		]);
	});

	it('writes URLs in the configured style', () => {
		const urlsFor = (urlStyle: 'relative' | 'absolute' | 'absolute-path') =>
			encodeBatch(
				[
					{ method: 'GET', url: 'accounts?$select=name' },
					{ method: 'GET', url: `${DV_ROOT}contacts` },
					{ method: 'GET', url: '/api/data/v9.2/tasks' },
					{ changeset: [{ method: 'POST', url: 'leads', body: {} }, { method: 'PATCH', url: '$1', body: { a: 1 } }] },
				],
				{ serviceRoot: DV_ROOT, urlStyle, newId: ids('b', 'c') },
			)
				.request.body!.split('\r\n')
				.filter((line) => / HTTP\/1\.1$/.test(line));
		expect(urlsFor('absolute')).toEqual([
			`GET ${DV_ROOT}accounts?$select=name HTTP/1.1`,
			`GET ${DV_ROOT}contacts HTTP/1.1`,
			'GET https://org.crm.dynamics.com/api/data/v9.2/tasks HTTP/1.1',
			`POST ${DV_ROOT}leads HTTP/1.1`,
			'PATCH $1 HTTP/1.1',
		]);
		expect(urlsFor('absolute-path')).toEqual([
			'GET /api/data/v9.2/accounts?$select=name HTTP/1.1',
			'GET /api/data/v9.2/contacts HTTP/1.1',
			'GET /api/data/v9.2/tasks HTTP/1.1',
			'POST /api/data/v9.2/leads HTTP/1.1',
			'PATCH $1 HTTP/1.1',
		]);
		expect(urlsFor('relative')).toEqual([
			'GET accounts?$select=name HTTP/1.1',
			'GET contacts HTTP/1.1',
			'GET tasks HTTP/1.1',
			'POST leads HTTP/1.1',
			'PATCH $1 HTTP/1.1',
		]);
	});

	it('adds continue-on-error and caller headers to the outer request, and lets part headers override defaults', () => {
		const batch = encodeBatch([{ method: 'PATCH', url: "accounts(accountnumber='A1')", headers: { accept: 'text/plain', Prefer: 'return=representation' }, body: {} }], {
			serviceRoot: DV_ROOT,
			continueOnError: true,
			headers: { 'If-None-Match': 'null' },
			newId: ids('x'),
		});
		expect(batch.request.headers.Prefer).toBe('odata.continue-on-error');
		expect(batch.request.headers['If-None-Match']).toBe('null');
		expect(batch.request.body).toContain('\r\naccept: text/plain\r\n');
		expect(batch.request.body).not.toContain('Accept: application/json');
		expect(batch.request.body).toContain('\r\nPrefer: return=representation\r\n');
	});

	it('refuses what would corrupt the batch or break OData rules', () => {
		const root = { serviceRoot: FO_ROOT };
		expect(() => encodeBatch([], root)).toThrow(/at least one request/);
		expect(() => encodeBatch([{ changeset: [] }], root)).toThrow(/Changeset at item 0 is empty/);
		expect(() => encodeBatch([{ changeset: [{ method: 'GET', url: 'A' }] }], root)).toThrow(/GET A is not allowed inside a changeset/);
		expect(() => encodeBatch([{ method: 'GET', url: 'A', body: {} }], root)).toThrow(/cannot carry a body/);
		expect(() => encodeBatch([{ method: 'GET', url: "A(k='a b')" }], root)).toThrow(/contains whitespace/);
		expect(() =>
			encodeBatch([{ method: 'PATCH', url: 'A', headers: { 'If-Match': '*\r\n\r\nDELETE B HTTP/1.1' }, body: {} }], root),
		).toThrow(/Invalid header "If-Match"/);
		expect(() => encodeBatch([{ method: 'PATCH', url: 'A', headers: { 'Bad Name': 'x' }, body: {} }], root)).toThrow(/Invalid header/);
	});

	it('keeps hostile body values inside the JSON line', () => {
		const hostile = '\r\n--batch_B1\r\nContent-Type: application/http\r\n\r\nDELETE X HTTP/1.1';
		const batch = encodeBatch([{ method: 'POST', url: 'A', body: { Name: hostile } }], { serviceRoot: FO_ROOT, newId: ids('B1') });
		const parts = splitMultipart(splitLines(batch.request.body as string), 'batch_B1');
		expect(parts).toHaveLength(1);
		expect(JSON.parse(parts[0].bodyLines[parts[0].bodyLines.length - 1])).toEqual({ Name: hostile });
	});
});

function multipartResponse(status: number, boundary: string, body: string, contentType?: string): HttpResponse {
	return { status, headers: { 'content-type': contentType ?? `multipart/mixed; boundary=${boundary}` }, body };
}

describe('decodeBatchResponse: F&O', () => {
	it('maps a 200 batch with an inner 500 write failure to that request only', () => {
		const batch = foBatch();
		const body = crlf(
			'--batchresponse_8a1e',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 200 OK',
			'Content-Type: application/json; odata.metadata=minimal',
			'OData-Version: 4.0',
			'',
			'{"@odata.context":"https://x/data/$metadata#CustomersV3/$entity","@odata.etag":"W/\\"JzAsMjI1NjU0MjExNzYn\\"","dataAreaId":"usmf","CustomerAccount":"US-001"}',
			'--batchresponse_8a1e',
			'Content-Type: multipart/mixed; boundary=changesetresponse_77c2',
			'',
			'--changesetresponse_77c2',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'Content-ID: 2',
			'',
			'HTTP/1.1 201 Created',
			'Location: https://x/data/CustomersV3(dataAreaId=\'usmf\',CustomerAccount=\'US-900\')',
			'Content-Type: application/json; odata.metadata=minimal',
			'',
			'{"dataAreaId":"usmf","CustomerAccount":"US-900"}',
			'--changesetresponse_77c2',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'Content-ID: 3',
			'',
			'HTTP/1.1 204 No Content',
			'',
			'',
			'--changesetresponse_77c2--',
			'--batchresponse_8a1e',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 500 Internal Server Error',
			'Content-Type: application/json; odata.metadata=minimal',
			'',
			FO_WRITE_FAILURE,
			'--batchresponse_8a1e--',
			'',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'batchresponse_8a1e', body), batch, { system: 'fo' });
		expect(results.map((result) => [result.contentId, result.outcome])).toEqual([
			['1', 'succeeded'],
			['2', 'succeeded'],
			['3', 'succeeded'],
			['4', 'failed'],
		]);
		const [get, post, patch, del] = results as BatchResponseResult[];
		expect(get.status).toBe(200);
		expect(get.json).toMatchObject({ CustomerAccount: 'US-001' });
		expect(get.request).toBe(batch.operations[0].request);
		expect(post.status).toBe(201);
		expect(post.headers.location).toContain("CustomerAccount='US-900'");
		expect(patch).toMatchObject({ status: 204, body: '' });
		expect(patch.json).toBeUndefined();
		expect(del.status).toBe(500);
		expect(del.error).toBeInstanceOf(ODataError);
		expect(del.error).toMatchObject({
			system: 'fo',
			entity: 'CustomersV3',
			key: customerKey('US-003'),
			transient: false,
			innerType: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
		});
		expect(del.error?.message).toMatch(/^F&O CustomersV3 \(dataAreaId='usmf', CustomerAccount='US-003'\): HTTP 500 .*Write failed for table row/);
	});

	it('maps a failed changeset (one error response) to every request of the changeset', () => {
		const batch = foBatch();
		const body = crlf(
			'--batchresponse_1',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 200 OK',
			'Content-Type: application/json',
			'',
			'{}',
			'--batchresponse_1',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 500 Internal Server Error',
			'Content-Type: application/json; odata.metadata=minimal',
			'',
			FO_WRITE_FAILURE,
			'--batchresponse_1',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 204 No Content',
			'',
			'--batchresponse_1--',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'batchresponse_1', body), batch, { system: 'fo' });
		expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'failed', 'failed', 'succeeded']);
		const [, post, patch] = results as BatchResponseResult[];
		for (const result of [post, patch]) {
			expect(result.status).toBe(500);
			expect(result.changesetFailure).toEqual({});
			expect(result.error?.innerMessage).toMatch(/^Write failed for table row of type 'CustCustomerV3Entity'/);
		}
		expect(post.error).toBe(patch.error);
		// The culprit is unknown, so the shared error names the entity but no single key.
		expect(post.error?.key).toBeUndefined();
		expect(post.error?.entity).toBe('CustomersV3');
		expect([post.contentId, patch.contentId]).toEqual(['2', '3']);
		expect([post.request.method, patch.request.method]).toEqual(['POST', 'PATCH']);
	});

	it('names the culprit of a failed changeset when the server gives its Content-ID', () => {
		const batch = foBatch();
		const body = crlf(
			'--r',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 200 OK',
			'',
			'--r',
			'Content-Type: application/http',
			'Content-ID: 3',
			'',
			'HTTP/1.1 404 Not Found',
			'Content-Type: application/json',
			'',
			'{"error":{"code":"","message":"No resource found"}}',
			'--r--',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'r', body), batch, { system: 'fo' }) as BatchResponseResult[];
		expect(results[1].changesetFailure).toEqual({ failedContentId: '3' });
		expect(results[2].changesetFailure).toEqual({ failedContentId: '3' });
		expect(results[1].error?.key).toEqual(customerKey('US-002'));
		expect(results[1].error?.message).toBe(
			"F&O CustomersV3 (dataAreaId='usmf', CustomerAccount='US-002'): HTTP 404 Not Found No resource found",
		);
		expect(results[3].outcome).toBe('not-executed');
	});

	it('maps changeset responses by Content-ID even when they come out of order', () => {
		const batch = foBatch();
		const body = crlf(
			'--r',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 200 OK',
			'',
			'--r',
			'Content-Type: multipart/mixed; boundary=cs',
			'',
			'--cs',
			'Content-Type: application/http',
			'Content-ID: 3',
			'',
			'HTTP/1.1 204 No Content',
			'',
			'--cs',
			'Content-Type: application/http',
			'Content-ID: 2',
			'',
			'HTTP/1.1 201 Created',
			'',
			'--cs--',
			'--r',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 204 No Content',
			'',
			'--r--',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'r', body), batch, { system: 'fo' }) as BatchResponseResult[];
		expect(results.map((result) => [result.contentId, result.request.method, result.status])).toEqual([
			['1', 'GET', 200],
			['2', 'POST', 201],
			['3', 'PATCH', 204],
			['4', 'DELETE', 204],
		]);
	});
});

/** Dataverse: three creates in a changeset, then a GET (shape of the docs' example). */
function dataverseBatch(continueOnError = false): EncodedBatch {
	const task = (subject: string) => ({
		method: 'POST' as const,
		url: 'tasks',
		body: { subject, 'regardingobjectid_account_task@odata.bind': 'accounts(00000000-0000-0000-0000-000000000001)' },
		entity: 'tasks',
	});
	return encodeBatch(
		[
			{ changeset: [task('Task 1'), task('Task 2'), task('Task 3')] },
			{ method: 'GET', url: 'accounts(00000000-0000-0000-0000-000000000001)/Account_Tasks?$select=subject', entity: 'tasks' },
		],
		{ serviceRoot: DV_ROOT, continueOnError, newId: ids('b', 'c') },
	);
}

describe('decodeBatchResponse: Dataverse', () => {
	it('decodes --batchresponse_ / --changesetresponse_ parts with 204 + OData-EntityId', () => {
		const entity = (id: string) => `${DV_ROOT}tasks(${id})`;
		const part = (contentId: string, id: string) => [
			'--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			`Content-ID: ${contentId}`,
			'',
			'HTTP/1.1 204 No Content',
			'OData-Version: 4.0',
			`Location: ${entity(id)}`,
			`OData-EntityId: ${entity(id)}`,
			'',
			'',
		];
		const body = crlf(
			'--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f',
			'Content-Type: multipart/mixed; boundary=changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15',
			'',
			...part('1', 'e73ffc82-e292-ed11-aad1-000d3a9933c9'),
			...part('2', 'e83ffc82-e292-ed11-aad1-000d3a9933c9'),
			...part('3', 'e93ffc82-e292-ed11-aad1-000d3a9933c9'),
			'--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15--',
			'--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 200 OK',
			'Content-Type: application/json; odata.metadata=minimal; odata.streaming=true',
			'OData-Version: 4.0',
			'',
			'{',
			'  "@odata.context": "[Organization Uri]/api/data/v9.2/$metadata#tasks(subject)",',
			'  "value": [{ "@odata.etag": "W/\\"77181173\\"", "subject": "Task 1", "activityid": "e73ffc82-e292-ed11-aad1-000d3a9933c9" }]',
			'}',
			'--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f--',
			'',
		);
		const results = decodeBatchResponse(
			{ status: 200, headers: { 'content-type': 'multipart/mixed; boundary=batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2f', 'odata-version': '4.0' }, body },
			dataverseBatch(),
			{ system: 'dataverse' },
		) as BatchResponseResult[];
		expect(results.map((result) => [result.contentId, result.outcome, result.status])).toEqual([
			['1', 'succeeded', 204],
			['2', 'succeeded', 204],
			['3', 'succeeded', 204],
			['4', 'succeeded', 200],
		]);
		expect(results[1].headers['odata-entityid']).toBe(entity('e83ffc82-e292-ed11-aad1-000d3a9933c9'));
		expect((results[3].json as { value: { subject: string }[] }).value[0].subject).toBe('Task 1');
	});

	it('reports requests after a stop-on-error failure as not executed (overall 400 with a multipart body)', () => {
		const batch = encodeBatch(
			[
				{ method: 'POST', url: 'tasks', body: { subject: 'x'.repeat(300) }, entity: 'tasks' },
				{ method: 'POST', url: 'tasks', body: { subject: 'Task 2' }, entity: 'tasks' },
				{ changeset: [{ method: 'POST', url: 'tasks', body: { subject: 'Task 3' }, entity: 'tasks' }] },
			],
			{ serviceRoot: DV_ROOT, newId: ids('b', 'c') },
		);
		const body = crlf(
			'--batchresponse_156da4b8-cd2c-4862-a911-4aaab97c001a',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 400 Bad Request',
			'REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026',
			'Content-Type: application/json; odata.metadata=minimal',
			'OData-Version: 4.0',
			'',
			'{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the \'subject\' attribute of the \'task\' entity exceeded the maximum allowed length of \'200\'."}}',
			'--batchresponse_156da4b8-cd2c-4862-a911-4aaab97c001a--',
			'',
		);
		const results = decodeBatchResponse(
			multipartResponse(400, 'batchresponse_156da4b8-cd2c-4862-a911-4aaab97c001a', body),
			batch,
			{ system: 'dataverse' },
		);
		expect(results).toHaveLength(3);
		const first = results[0] as BatchResponseResult;
		expect(first.outcome).toBe('failed');
		expect(first.error?.serverCode).toBe('0x80044331');
		expect(first.error?.message).toMatch(/^Dataverse tasks: HTTP 400 Bad Request \[0x80044331\] A validation error occurred/);
		for (const result of results.slice(1) as BatchNotExecutedResult[]) {
			expect(result.outcome).toBe('not-executed');
			expect(result.reason).toBe(
				'not executed: the batch stopped after request 1 failed (HTTP 400); send Prefer: odata.continue-on-error to run the rest',
			);
		}
		expect(results.map((result) => result.contentId)).toEqual(['1', '2', '3']);
	});

	it('keeps going past a failure with continue-on-error', () => {
		const batch = dataverseBatch(true);
		expect(batch.request.headers.Prefer).toBe('odata.continue-on-error');
		const body = crlf(
			'--batchresponse_x',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 412 Precondition Failed',
			'Content-Type: application/json',
			'',
			'{"error":{"code":"0x80060892","message":"A record with matching key values already exists."}}',
			'--batchresponse_x',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 200 OK',
			'Content-Type: application/json',
			'',
			'{"value":[]}',
			'--batchresponse_x--',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'batchresponse_x', body), batch, { system: 'dataverse' }) as BatchResponseResult[];
		expect(results.map((result) => result.outcome)).toEqual(['failed', 'failed', 'failed', 'succeeded']);
		expect(results[0].error?.serverMessage).toBe('A record with matching key values already exists.');
		expect(results[3].json).toEqual({ value: [] });
	});

	it('reports an inner 429 with its Retry-After', () => {
		const batch = encodeBatch([{ method: 'GET', url: 'accounts' }], { serviceRoot: DV_ROOT, newId: ids('b') });
		const body = crlf('--r', 'Content-Type: application/http', '', 'HTTP/1.1 429 Too Many Requests', 'Retry-After: 5', '', '--r--');
		const [result] = decodeBatchResponse(multipartResponse(200, 'r', body), batch, { system: 'dataverse' }) as BatchResponseResult[];
		expect(result.error).toMatchObject({ status: 429, retryAfterMs: 5000, transient: true });
	});
});

describe('decodeBatchResponse: robustness', () => {
	const batch = () => encodeBatch([{ method: 'GET', url: 'A' }, { changeset: [{ method: 'DELETE', url: 'B' }] }], { serviceRoot: FO_ROOT, newId: ids('b', 'c') });
	const variants: [string, HttpResponse][] = [
		[
			'LF-only line endings, preamble and epilogue',
			{
				status: 200,
				headers: { 'content-type': 'multipart/mixed; boundary=r' },
				body: 'This is a preamble.\n--r\nContent-Type: application/http\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{"a":1}\n--r\nContent-Type: multipart/mixed; boundary=cs\n\n--cs\nContent-Type: application/http\nContent-ID: 2\n\nHTTP/1.1 204 No Content\n\n--cs--\n--r--\nepilogue text\n--r\nContent-Type: application/http\n\nHTTP/1.1 500 Nope\n',
			},
		],
		[
			'quoted boundaries, charset and upper-case parameter names, padding after delimiters',
			{
				status: 200,
				headers: { 'content-type': 'Multipart/Mixed; charset=utf-8; BOUNDARY="r:1 x"' },
				body: crlf(
					'--r:1 x  ',
					'content-type: application/http',
					'',
					'HTTP/1.1 200 OK',
					'content-type: application/json;charset=utf-8',
					'',
					'{"a":1}',
					'--r:1 x\t',
					'Content-Type: multipart/mixed; boundary="cs;2"; charset=utf-8',
					'',
					'--cs;2',
					'Content-Type: application/http',
					'Content-ID:2',
					'',
					'HTTP/1.1 204 No Content',
					'',
					'--cs;2--',
					'--r:1 x--',
				),
			},
		],
		[
			'no Content-Type header (boundary sniffed from the body)',
			{
				status: 200,
				headers: {},
				body: crlf('', '--r', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', '', '{"a":1}', '--r', 'Content-Type: multipart/mixed; boundary=cs', '', '--cs', 'Content-Type: application/http', '', 'HTTP/1.1 204 No Content', '', '--cs--', '--r--'),
			},
		],
	];
	it.each(variants)('decodes %s', (_label, response) => {
		const results = decodeBatchResponse(response, batch(), { system: 'fo' }) as BatchResponseResult[];
		expect(results.map((result) => [result.outcome, result.status])).toEqual([
			['succeeded', 200],
			['succeeded', 204],
		]);
		expect(results[0].json).toEqual({ a: 1 });
	});

	it('folds continued header lines', () => {
		const { headers } = parseHttpResponseLines(['HTTP/1.1 200 OK', 'X-Long: one', '  two', '', 'body']);
		expect(headers['x-long']).toBe('one two');
	});

	it('throws the whole-batch error when the response is not multipart', () => {
		const response: HttpResponse = {
			status: 429,
			headers: { 'content-type': 'application/json', 'retry-after': '30' },
			body: '{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}',
		};
		let caught: unknown;
		try {
			decodeBatchResponse(response, batch(), { system: 'dataverse' });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ODataError);
		expect(caught).toMatchObject({ status: 429, retryAfterMs: 30_000, transient: true, serverCode: '0x80072322' });
	});

	it('reports requests past a truncated response as not executed', () => {
		const body = crlf('--r', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', '', '{}');
		const results = decodeBatchResponse(multipartResponse(200, 'r', body), batch(), { system: 'fo' });
		expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'not-executed']);
		expect((results[1] as BatchNotExecutedResult).reason).toBe('not executed: the batch response ended before reaching this request');
	});

	it('rejects a response with more parts than requests, or an unreadable part', () => {
		const one = encodeBatch([{ method: 'GET', url: 'A' }], { serviceRoot: FO_ROOT, newId: ids('b') });
		const two = crlf('--r', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', '', '--r', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', '', '--r--');
		expect(() => decodeBatchResponse(multipartResponse(200, 'r', two), one, { system: 'fo' })).toThrow(/2 parts for 1 batch items/);
		const garbage = crlf('--r', 'Content-Type: application/http', '', 'not a status line', '--r--');
		expect(() => decodeBatchResponse(multipartResponse(200, 'r', garbage), one, { system: 'fo' })).toThrow(
			/malformed \$batch response: unreadable response for request 1: Expected an HTTP status line/,
		);
	});
});

describe('decodeBatchResponse: stop reasons', () => {
	const items: BatchItem[] = [
		{ method: 'GET', url: 'A' },
		{ changeset: [{ method: 'POST', url: 'B', body: {}, entity: 'B' }, { method: 'POST', url: 'C', body: {}, entity: 'C' }] },
		{ method: 'GET', url: 'D' },
	];
	const encoded = () => encodeBatch(items, { serviceRoot: DV_ROOT, newId: ids('b', 'c') });

	it('names the changeset culprit when a failed changeset stopped the batch', () => {
		const body = crlf(
			'--r',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 200 OK',
			'',
			'--r',
			'Content-Type: application/http',
			'Content-ID: 2',
			'',
			'HTTP/1.1 400 Bad Request',
			'',
			'{"error":{"code":"0x80040265","message":"no"}}',
			'--r--',
		);
		const results = decodeBatchResponse(multipartResponse(400, 'r', body), encoded(), { system: 'dataverse' });
		expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'failed', 'failed', 'not-executed']);
		expect((results[3] as BatchNotExecutedResult).reason).toMatch(/^not executed: the batch stopped after request 2 failed \(HTTP 400\)/);
		// Mixed entities in the changeset: the culprit's entity names the shared error.
		expect((results[2] as BatchResponseResult).error?.entity).toBe('B');
	});

	it('does not blame an earlier failure when the response was merely cut short', () => {
		const body = crlf(
			'--r',
			'Content-Type: application/http',
			'',
			'HTTP/1.1 404 Not Found',
			'',
			'--r',
			'Content-Type: multipart/mixed; boundary=cs',
			'',
			'--cs',
			'Content-Type: application/http',
			'Content-ID: 2',
			'',
			'HTTP/1.1 204 No Content',
			'',
			'--cs--',
		);
		const results = decodeBatchResponse(multipartResponse(200, 'r', body), encoded(), { system: 'dataverse' });
		expect(results.map((result) => result.outcome)).toEqual(['failed', 'succeeded', 'not-executed', 'not-executed']);
		expect((results[2] as BatchNotExecutedResult).reason).toBe('not executed: the changeset response has no part for this request');
		expect((results[3] as BatchNotExecutedResult).reason).toBe('not executed: the batch response ended before reaching this request');
	});

	it('treats a lone error response to a one-request changeset as that request failing', () => {
		const batch = encodeBatch([{ changeset: [{ method: 'PATCH', url: 'X', body: {}, entity: 'accounts', key: { accountnumber: 'A1' } }] }], {
			serviceRoot: DV_ROOT,
			newId: ids('b', 'c'),
		});
		const body = crlf('--r', 'Content-Type: application/http', '', 'HTTP/1.1 412 Precondition Failed', '', '{"error":{"code":"","message":"exists"}}', '--r--');
		const [result] = decodeBatchResponse(multipartResponse(200, 'r', body), batch, { system: 'dataverse' }) as BatchResponseResult[];
		expect(result.changesetFailure).toEqual({ failedContentId: '1' });
		expect(result.error?.key).toEqual({ accountnumber: 'A1' });
	});
});
