/**
 * Pinned hash values. The ledger persists these hashes and compares them with the hash of what a side reports
 * back (echo suppression, no-change detection): for the same input they must never change, whatever the engine
 * does to compute them faster. The values below were computed by the engine as it was before any optimisation of
 * the hash input (one concatenated string hashed by crypto.hash). A failure here means every stored hash is stale:
 * fix the engine, never the expected value (a map whose fields change gets new hashes through its prefix, which
 * is the only legitimate way for one to move; then re-pin only the catalog case below).
 */
import { apply, catalogMap, compileMap, hashEntries, hashRecord, type MapDefinition, type MappedRecord, type MapResult } from '../../../lib/maps';
import { asStoredDataverse, customersMap, dvAccount, foCustomer } from './fixtures';

const mapped = (result: MapResult): MappedRecord => {
	if (result.kind !== 'mapped') throw new Error(`expected mapped, got ${result.decision}: ${result.detail}`);
	return result;
};

describe('pinned hashes: the inline customers fixture map', () => {
	const compiled = compileMap(customersMap());

	it('F&O → Dataverse and Dataverse → F&O', () => {
		expect(mapped(apply(compiled, 'fo->dataverse', foCustomer())).hash).toBe('ff1914074456d64f2b6df4244f1d99b846108da86c4e8f109ff7695e59bf4ca8');
		expect(mapped(apply(compiled, 'dataverse->fo', dvAccount())).hash).toBe('675dd97626ba15d89e94e63d8ee47f33f5eb16bab7864e8170adad096ff67176');
	});

	it('blanks, defaults, cleared lookups and -0', () => {
		const blanks = foCustomer({ OpenedOn: '1900-01-01T12:00:00Z', OrganizationName: '', CustomerGroupId: '', PaymentTermsBaseDays: null, CreditLimit: -0 });
		expect(mapped(apply(compiled, 'fo->dataverse', blanks)).hash).toBe('54611d12adda0e208f65eb8049a6765f42dd55dd9e6f733d383cf51b759fd83c');
	});
});

describe('pinned hashes: catalog map customers-v3-accounts', () => {
	const definition = catalogMap('customers-v3-accounts') as MapDefinition;
	const compiled = compileMap(definition);
	const fo = {
		dataAreaId: 'USMF',
		CustomerAccount: 'C-000042',
		CreditLimit: 1234.5,
		SalesCurrencyCode: 'EUR',
		SalesMemo: 'Müller & Søn — 東京 🚚  ',
		CreditLimitIsMandatory: 'Yes',
		CreditRating: '',
		CustomerGroupId: '10',
		IdentificationNumber: 'lone \ud800 surrogate',
		InvoiceAccount: 'C-000001',
		IsOneTimeCustomer: 'No',
		OnHoldStatus: 'Payment',
		PartyCountry: 'USA',
		PaymentTermsBaseDays: 30,
		PartyType: 'Organization',
		OrganizationName: 'Contoso Europe',
		OrganizationNumberOfEmployees: 250,
		InvoiceAddressLatitude: -12.3456789,
		DeliveryAddressLongitude: 0,
		PrimaryContactEmail: 'info@contoso.example',
		InvoiceAddress: 'OrderAccount',
		PaymentDay: null,
		VendorAccount: '',
	};

	it('apply and hashRecord agree with the pinned values in both directions', () => {
		const there = mapped(apply(compiled, 'fo->dataverse', fo));
		expect(there.hash).toBe('9f42337db3bec2b8542a83b29c46b1f7f8328de677e9eb42978e38bb9a620e4b');
		const stored = asStoredDataverse(there.target.record, there.target.lookups);
		expect(hashRecord(compiled, 'dataverse', stored)).toBe(there.hash);
		const back = mapped(apply(compiled, 'dataverse->fo', stored));
		expect(back.hash).toBe('ee0df2ba8239645f489f7ad5005ec45cdc3969ebf3ce43afa12c265bb3c40e1c');
		expect(hashRecord(compiled, 'fo', back.target.record)).toBe(back.hash);
	});
});

describe('pinned hashes: hashEntries', () => {
	it.each([
		['plain values', [['a', 'x'], ['b', 1.5], ['c', null], ['d', true], ['e', false], ['f', 'é']], '5286f454061c1c167941542b4cb6c6f141d899db3d8d021153f3e34915228e14'],
		[
			'non-ASCII text, surrogate pairs and lone surrogates',
			[['s1', 'é'], ['s2', '漢字'], ['s3', '🚚'], ['lone high', 'x\ud800'], ['lone low', '\udc00y'], ['reversed pair', '\ude9a\ud83d'], ['nul', 'a\u0000b']],
			'15958430650718848c919552d600e66122cd3d648a221cda4ab067f7978d4a2c',
		],
		[
			'numbers in exponent and float forms',
			[['n1', -12.5], ['n2', 1e21], ['n3', 1.5e-7], ['n4', 0], ['n5', 192350005], ['n6', -0.1 - 0.2], ['n7', 2 ** 53 + 2]],
			'5f000f86e86a49dd8af4997e44c215579dd8ecb94876f434bced370bf68c6d58',
		],
		['a value far longer than any buffer', [['long', 'ab\u00e9\u6f22\ud83d\ude9a '.repeat(20000)], ['after', 'x']], 'eabe22d6da96f7fbdc1c13fc5a3b7ac7239ac2df92d31abcbd193f3599e8f5d8'],
		['no entries', [], '37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570'],
	] as const)('%s', (_name, entries, expected) => {
		expect(hashEntries(entries)).toBe(expected);
	});
});
