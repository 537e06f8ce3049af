import { DUAL_WRITE_ORIGIN_TAG, dataverseTriggerItem, envelopeWrite, parseDataverseWebhook, type EnvelopedItem } from '../../../lib/sync';
import { fixture } from './fixtures';

const entitySetOf = (name: string) => (name === 'account' ? 'accounts' : undefined);

describe('dataverseTriggerItem', () => {
	it('Update: the sent columns, the primary id, and the change under "dataverse" with the key by primary id column', () => {
		const change = parseDataverseWebhook(fixture('dataverse-webhook-update'), { entitySetOf });
		const item = dataverseTriggerItem(change, 'accountid');
		expect(item.accountid).toBe(change.id);
		expect(item.name).toBe('Fixture one (edited)');
		expect(item.dataverse).toMatchObject({ system: 'dataverse', entity: 'accounts', change: 'update', key: { accountid: change.id }, eventId: change.eventId });
		expect(item.dataverse.at).toBe(change.at);
	});

	it('a post-image (synchronous steps) fills in the columns Target did not carry; Target wins where both have one', () => {
		const change = parseDataverseWebhook(fixture('dataverse-webhook-update'), { entitySetOf });
		const withImage = {
			...change,
			postImages: { PostImage: { accountid: change.id, name: 'old name in the image', accountnumber: 'A-1', msdyn_company: { id: 'c1', logicalName: 'cdm_company' } } },
		};
		const item = dataverseTriggerItem(withImage, 'accountid');
		expect(item).toMatchObject({ name: 'Fixture one (edited)', accountnumber: 'A-1', msdyn_company: { id: 'c1', logicalName: 'cdm_company' }, accountid: change.id });
		expect(Object.keys(dataverseTriggerItem(change, 'accountid')).sort()).toEqual(Object.keys(item).filter((k) => k !== 'accountnumber' && k !== 'msdyn_company').sort());
	});

	it('Delete: no columns but the primary id', () => {
		const change = parseDataverseWebhook(fixture('dataverse-webhook-delete'), { entitySetOf });
		const item = dataverseTriggerItem(change, 'accountid');
		expect(Object.keys(item).sort()).toEqual(['accountid', 'dataverse']);
		expect(item.dataverse.change).toBe('delete');
	});
});

describe('origin tag on dual-write upserts', () => {
	const item = (system: 'fo' | 'dataverse'): EnvelopedItem =>
		({
			name: 'x',
			dualWrite: {
				map: 'm',
				mapVersion: '1',
				direction: 'fo-to-dataverse',
				change: 'update',
				source: { system: system === 'fo' ? 'dataverse' : 'fo', entity: 'e', key: {} },
				target: { system, entity: 'accounts', key: { accountnumber: 'A1' } },
			},
		}) as unknown as EnvelopedItem;

	it('Dataverse writes carry our tag, the one the trigger ignores; F&O writes carry none', () => {
		expect(DUAL_WRITE_ORIGIN_TAG).toBe('dw-n8n');
		expect(envelopeWrite('dataverse', item('dataverse')).options?.tag).toBe(DUAL_WRITE_ORIGIN_TAG);
		expect(envelopeWrite('fo', item('fo')).options?.tag).toBeUndefined();
	});
});
