/** Which refused delta reads mean "read a new baseline", and how that error reads. */
import { ChangeTrackingExpiredError, changeTrackingFailure } from '../../../../lib/connectors';
import { ODataError } from '../../../../lib/odata';

const error = (details: Partial<ConstructorParameters<typeof ODataError>[0]>) => new ODataError({ system: 'dataverse', entity: 'accounts', transient: false, ...details });

describe('changeTrackingFailure', () => {
	it('calls ExpiredVersionStamp (by code or message) and 410 Gone expired', () => {
		expect(changeTrackingFailure(error({ status: 400, serverCode: '0x80044352', serverMessage: 'Version stamp associated with the client has expired. Please perform a full sync.' }))).toBe('expired');
		expect(changeTrackingFailure(error({ status: 400, serverCode: '0X80044352' }))).toBe('expired');
		expect(changeTrackingFailure(error({ status: 500, serverMessage: 'Version stamp associated with the client has expired.' }))).toBe('expired');
		expect(changeTrackingFailure(error({ status: 410 }))).toBe('expired');
	});

	it('calls a 400 about a delta token that is not valid invalid', () => {
		expect(changeTrackingFailure(error({ status: 400, serverCode: '0x80040203', serverMessage: "The delta token 'x' is not valid." }))).toBe('invalid');
		expect(changeTrackingFailure(error({ status: 400, serverMessage: 'Invalid $deltatoken.' }))).toBe('invalid');
	});

	it('leaves every other failure alone', () => {
		expect(changeTrackingFailure(error({ status: 429, serverCode: '0x80072322' }))).toBeUndefined();
		expect(changeTrackingFailure(error({ status: 400, serverMessage: 'The "$filter" query parameter isn\'t supported when Change Tracking is enabled.' }))).toBeUndefined();
		expect(changeTrackingFailure(error({ status: 503 }))).toBeUndefined();
		expect(changeTrackingFailure(error({ detail: 'network error: ECONNRESET', transient: true }))).toBeUndefined();
	});
});

describe('ChangeTrackingExpiredError', () => {
	it('is an ODataError that names the entity, keeps the server facts and says what to do', () => {
		const cause = error({ status: 400, serverCode: '0x80044352', serverMessage: 'Version stamp associated with the client has expired. Please perform a full sync.' });
		const expired = new ChangeTrackingExpiredError(cause, 'accounts', 'expired');
		expect(expired).toBeInstanceOf(ODataError);
		expect(expired).toMatchObject({ name: 'ChangeTrackingExpiredError', reason: 'expired', entity: 'accounts', status: 400, serverCode: '0x80044352', transient: false, cause });
		expect(expired.message).toBe(
			'Dataverse accounts: HTTP 400 Bad Request [0x80044352] Version stamp associated with the client has expired. Please perform a full sync. (the change-tracking delta link of accounts was refused as expired: read a new baseline)',
		);
		expect(expired.toJSON()).toMatchObject({ name: 'ChangeTrackingExpiredError', entity: 'accounts', serverCode: '0x80044352', reason: 'expired' });
	});
});
