import { errorFromResponse, isFoBusinessFailure, ODataError, parseRetryAfter, redactSecrets, type HttpResponse } from '../../../lib/odata';

const FO_WRITE_FAILURE = JSON.stringify({
	error: {
		code: '',
		message: 'An error has occurred.',
		innererror: {
			message:
				"Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.; Warning: validateField failed on field 'CustCustomerV3Entity.CustomerGroupId'.",
			type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
			stacktrace: '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity_Save(...)',
		},
	},
});

function response(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
	return { status, headers, body };
}

describe('errorFromResponse', () => {
	it('reads the F&O write-failure shape and keeps the Infolog', () => {
		const error = errorFromResponse(response(500, FO_WRITE_FAILURE), {
			system: 'fo',
			entity: 'CustomersV3',
			key: { dataAreaId: 'usmf', CustomerAccount: 'US-001' },
		});
		expect(error).toBeInstanceOf(ODataError);
		expect(error).toBeInstanceOf(Error);
		expect(error.name).toBe('ODataError');
		expect(error.system).toBe('fo');
		expect(error.status).toBe(500);
		expect(error.serverCode).toBeUndefined();
		expect(error.serverMessage).toBe('An error has occurred.');
		expect(error.innerMessage).toMatch(/^Write failed for table row of type 'CustCustomerV3Entity'\. Infolog: Warning: The value 'Local'/);
		expect(error.innerType).toBe('Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException');
		expect(error.transient).toBe(false);
		expect(error.message).toBe(
			"F&O CustomersV3 (dataAreaId='usmf', CustomerAccount='US-001'): HTTP 500 Internal Server Error " +
				`${error.innerMessage} (An error has occurred.)`,
		);
		expect(error.message).not.toContain('stacktrace');
	});

	it('reads the Dataverse shape with its hex code', () => {
		const body = JSON.stringify({ error: { code: '0x80040265', message: 'Plug-in says no: credit limit exceeded' } });
		const error = errorFromResponse(response(400, body), { system: 'dataverse', entity: 'accounts', key: { accountnumber: 'A1' } });
		expect(error.serverCode).toBe('0x80040265');
		expect(error.serverMessage).toBe('Plug-in says no: credit limit exceeded');
		expect(error.innerMessage).toBeUndefined();
		expect(error.transient).toBe(false);
		expect(error.message).toBe(
			"Dataverse accounts (accountnumber='A1'): HTTP 400 Bad Request [0x80040265] Plug-in says no: credit limit exceeded",
		);
	});

	it('reads Dataverse annotations carrying the inner message', () => {
		const body = JSON.stringify({
			error: { code: '0x80040216', message: 'An unexpected error occurred.', '@Microsoft.PowerApps.CDS.InnerError.Message': 'SQL timeout' },
		});
		const error = errorFromResponse(response(500, body), { system: 'dataverse' });
		expect(error.innerMessage).toBe('SQL timeout');
		expect(error.transient).toBe(true);
		expect(error.message).toBe('Dataverse: HTTP 500 Internal Server Error [0x80040216] SQL timeout (An unexpected error occurred.)');
	});

	it('reads the OData v3 {lang, value} message shape', () => {
		const body = JSON.stringify({ error: { code: 'X', message: { lang: 'en-US', value: 'Resource not found' } } });
		expect(errorFromResponse(response(404, body), { system: 'fo', entity: 'CustomersV3' }).serverMessage).toBe('Resource not found');
	});

	it('describes non-JSON and empty bodies', () => {
		const html = errorFromResponse(response(502, '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'), {
			system: 'fo',
		});
		expect(html.message).toBe('F&O: HTTP 502 Bad Gateway 502 Bad Gateway');
		expect(html.transient).toBe(true);
		const text = errorFromResponse(response(503, 'Service   temporarily\nunavailable'), { system: 'dataverse' });
		expect(text.message).toBe('Dataverse: HTTP 503 Service Unavailable Service temporarily unavailable');
		const empty = errorFromResponse(response(404, ''), { system: 'fo', entity: 'CustomersV3' });
		expect(empty.message).toBe('F&O CustomersV3: HTTP 404 Not Found');
		const otherJson = errorFromResponse(response(418, '{"weird":true}'), { system: 'fo' });
		expect(otherJson.message).toBe('F&O: HTTP 418 {"weird":true}');
	});

	it('takes Retry-After in seconds or as an HTTP-date', () => {
		const seconds = errorFromResponse(response(429, '', { 'retry-after': '7' }), { system: 'dataverse' });
		expect(seconds.retryAfterMs).toBe(7000);
		expect(seconds.transient).toBe(true);
		const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
		const date = errorFromResponse(response(503, '', { 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }), { system: 'fo' }, { now: () => now });
		expect(date.retryAfterMs).toBe(30_000);
		expect(errorFromResponse(response(429, ''), { system: 'fo' }).retryAfterMs).toBeUndefined();
	});

	it('classifies statuses as transient or not', () => {
		const transient = (status: number, body = '') => errorFromResponse(response(status, body), { system: 'fo' }).transient;
		expect([408, 429, 500, 502, 503, 504].map((status) => transient(status))).toEqual([true, true, true, true, true, true]);
		expect([400, 401, 403, 404, 409, 412, 413, 501].map((status) => transient(status))).toEqual(Array(8).fill(false));
		expect(transient(500, FO_WRITE_FAILURE)).toBe(false);
	});

	it('never leaks tokens from a body into the message', () => {
		const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl';
		const body = `upstream rejected Authorization: Bearer ${jwt} client_secret=hunter2`;
		const error = errorFromResponse(response(401, body), { system: 'fo' });
		expect(error.message).not.toContain(jwt);
		expect(error.message).not.toContain('eyJ');
		expect(error.message).not.toContain('hunter2');
		expect(error.message).toContain('Bearer [redacted]');
		const jsonBody = JSON.stringify({ error: { code: '', message: `token ${jwt} expired` } });
		expect(errorFromResponse(response(401, jsonBody), { system: 'dataverse' }).serverMessage).toBe('token [redacted token] expired');
	});
});

describe('helpers', () => {
	it('recognises F&O business failures by type or message', () => {
		expect(isFoBusinessFailure('Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException', undefined)).toBe(true);
		expect(isFoBusinessFailure(undefined, "Write failed for table row of type 'X'. Infolog: ...")).toBe(true);
		expect(isFoBusinessFailure('System.Data.SqlClient.SqlException', 'Deadlock victim')).toBe(false);
		expect(isFoBusinessFailure(undefined, undefined)).toBe(false);
	});

	it('parses Retry-After defensively', () => {
		expect(parseRetryAfter('0', 0)).toBe(0);
		expect(parseRetryAfter(' 2 ', 0)).toBe(2000);
		expect(parseRetryAfter('1.5', 0)).toBe(1500);
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT'))).toBe(0);
		expect(parseRetryAfter('soon', 0)).toBeUndefined();
		expect(parseRetryAfter('-5', 0)).toBeUndefined();
		expect(parseRetryAfter('', 0)).toBeUndefined();
		expect(parseRetryAfter(undefined, 0)).toBeUndefined();
	});

	it('redacts bearer tokens, JWTs and secrets', () => {
		expect(redactSecrets('Bearer abc.def-ghi')).toBe('Bearer [redacted]');
		expect(redactSecrets('{"access_token":"abc123","x":1}')).toBe('{"access_token":"[redacted]","x":1}');
		expect(redactSecrets('password=p4ss&user=x')).toBe('password=[redacted]&user=x');
		expect(redactSecrets('nothing secret here')).toBe('nothing secret here');
	});

	it('serialises to JSON with its message and fields, for the journal', () => {
		const error = errorFromResponse(response(500, FO_WRITE_FAILURE), { system: 'fo', entity: 'CustomersV3', key: { CustomerAccount: 'US-001' } });
		const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
		expect(json).toEqual({
			name: 'ODataError',
			message: error.message,
			system: 'fo',
			entity: 'CustomersV3',
			key: { CustomerAccount: 'US-001' },
			status: 500,
			serverMessage: 'An error has occurred.',
			innerMessage: error.innerMessage,
			innerType: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
			transient: false,
		});
	});

	it('builds protocol errors without a status', () => {
		const error = new ODataError({ system: 'fo', entity: 'CustomersV3', transient: false, detail: 'nextLink loop' });
		expect(error.status).toBeUndefined();
		expect(error.message).toBe('F&O CustomersV3: nextLink loop');
	});
});
