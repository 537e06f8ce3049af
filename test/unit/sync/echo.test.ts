import { INTEGRATION_APP as DIRECTORY_INTEGRATION_APP, USER_APP as DIRECTORY_USER_APP } from '../../../emulators/common/directory';
import { compileMap, hashRecord } from '../../../lib/maps';
import { decideEcho, parseDataverseWebhook, parseFoEvent, type CapturedChange } from '../../../lib/sync';
import { customersMap, foCustomer } from '../maps/fixtures';
import { closeAll, tempStore } from '../state/helpers';
import { customersV3, edited, fixture } from './fixtures';

const OUR_TAG = 'dw-n8n';
const INTEGRATION_APP = DIRECTORY_INTEGRATION_APP.objectId;
const USER_APP = DIRECTORY_USER_APP.objectId;
const entitySetOf = (name: string) => (name === 'account' ? 'accounts' : undefined);
const dvCreate = () => parseDataverseWebhook(fixture('dataverse-webhook-create'), { entitySetOf });
const dvUpdate = () => parseDataverseWebhook(fixture('dataverse-webhook-update'), { entitySetOf });
const foUpdate = () => parseFoEvent(fixture('fo-data-event-update'), customersV3());

afterEach(closeAll);

describe('decideEcho: origin tag and integration identity', () => {
	it('the captured Create carries our tag: echo by tag', async () => {
		const decision = await decideEcho(dvCreate(), { ourTag: OUR_TAG });
		expect(decision).toEqual({ echo: true, decision: 'echo', by: 'tag', reason: 'the change carries our origin tag "dw-n8n"' });
	});

	it('another tag is not ours', async () => {
		const decision = await decideEcho(dvCreate(), { ourTag: 'someone-else' });
		expect(decision.echo).toBe(false);
		expect(decision.decision).toBeUndefined();
		expect(decision.reason).toMatch(/tag "dw-n8n" is not ours/);
	});

	it('the captured Create was made by the integration app: echo by identity when configured (braces, case ignored)', async () => {
		const change = dvCreate();
		expect(change.initiatingUserId).toBe(INTEGRATION_APP);
		const decision = await decideEcho(change, { integrationIdentities: [`{${INTEGRATION_APP.toUpperCase()}}`] });
		expect(decision).toMatchObject({ echo: true, decision: 'echo', by: 'identity' });
		expect(decision.reason).toContain(INTEGRATION_APP);
	});

	it('identity is opt-in: without the list a change by the integration app is not skipped on identity', async () => {
		const decision = await decideEcho(dvCreate(), {});
		expect(decision.echo).toBe(false);
		expect(decision.reason).toMatch(/no ledger check/);
	});

	it("a user's F&O edit is no echo by identity; the F&O side has no tag to check", async () => {
		const change = foUpdate();
		expect(change.initiatingUserId).toBe(USER_APP);
		const decision = await decideEcho(change, { ourTag: OUR_TAG, integrationIdentities: [INTEGRATION_APP] });
		expect(decision.echo).toBe(false);
		expect(decision.reason).toMatch(/no origin tag to check/);
	});

	it('tag is checked before identity', async () => {
		const decision = await decideEcho(dvCreate(), { ourTag: OUR_TAG, integrationIdentities: [INTEGRATION_APP] });
		expect(decision.by).toBe('tag');
	});
});

describe('decideEcho: the ledger (real SQLite state store in a temp dir)', () => {
	const compiled = compileMap(customersMap());
	const map = compiled.id;
	const key = { dataAreaId: 'usmf', CustomerAccount: 'US-000003' };

	async function withWrite(record: Record<string, unknown>) {
		const { store } = await tempStore();
		// What our dataverse->fo write stored on F&O: the hash the map computed for it.
		await store.recordWrite({ map, side: 'fo', key, hash: hashRecord(compiled, 'fo', record), version: '7' });
		return store;
	}

	it('same normalised values as our last write: echo (trailing spaces in the event do not matter)', async () => {
		const written = foCustomer({ CustomerAccount: 'US-000003' });
		const store = await withWrite(written);
		const echoed = { ...written, OrganizationName: `${String(written.OrganizationName)}   ` };
		const decision = await decideEcho(foUpdate(), { ledger: { store, map, key, hash: hashRecord(compiled, 'fo', echoed) } });
		expect(decision).toMatchObject({ echo: true, decision: 'echo', by: 'ledger' });
		expect(decision.reason).toMatch(/hash equals the hash of our last write/);
	});

	it('different values: a real change, with the ledger named in the reason', async () => {
		const written = foCustomer({ CustomerAccount: 'US-000003' });
		const store = await withWrite(written);
		const edited_ = { ...written, OrganizationName: 'Renamed by a user' };
		const decision = await decideEcho(foUpdate(), { ledger: { store, map, key, hash: hashRecord(compiled, 'fo', edited_) } });
		expect(decision.echo).toBe(false);
		expect(decision.decision).toBeUndefined();
		expect(decision.reason).toMatch(/ledger: differs from our last write/);
	});

	it('duplicate delivery of a change already seen: no-change', async () => {
		const { store } = await tempStore();
		const record = foCustomer({ CustomerAccount: 'US-000003', OrganizationName: 'Seen once' });
		const hash = hashRecord(compiled, 'fo', record);
		const first = await decideEcho(foUpdate(), { ledger: { store, map, key, hash } });
		expect(first.decision).toBeUndefined();
		await store.recordSeen({ map, side: 'fo', key, hash });
		const again = await decideEcho(foUpdate(), { ledger: { store, map, key, hash } });
		expect(again).toMatchObject({ echo: false, decision: 'no-change', by: 'ledger' });
	});

	it('matching version of our write: echo even when the hash is not known', async () => {
		const store = await withWrite(foCustomer());
		const decision = await decideEcho(foUpdate(), { ledger: { store, map, key, version: '7' } });
		expect(decision).toMatchObject({ echo: true, by: 'ledger' });
	});

	it('tag beats the ledger: a tagged change is skipped without reading the store', async () => {
		const store = { isEcho: jest.fn() };
		const change: CapturedChange = dvUpdate();
		const tagged = { ...change, tag: OUR_TAG };
		const decision = await decideEcho(tagged, { ourTag: OUR_TAG, ledger: { store, map, key, hash: 'h' } });
		expect(decision.by).toBe('tag');
		expect(store.isEcho).not.toHaveBeenCalled();
	});

	it('a Dataverse echo: our tagless write recorded on the dataverse side, the webhook values hash the same', async () => {
		const { store } = await tempStore();
		const dvKey = { accountnumber: 'FX-1', 'msdyn_company.cdm_companycode': 'usmf' };
		await store.recordWrite({ map, side: 'dataverse', key: dvKey, hash: 'H1' });
		const change = parseDataverseWebhook(edited(fixture('dataverse-webhook-create'), (body) => (body.SharedVariables = [])), { entitySetOf });
		expect(change.tag).toBeUndefined();
		const decision = await decideEcho(change, { ourTag: OUR_TAG, ledger: { store, map, key: dvKey, hash: 'H1' } });
		expect(decision).toMatchObject({ echo: true, by: 'ledger' });
	});
});
