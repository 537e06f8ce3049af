import { apply, compileMap, dependencyOrder, planPasses, type FieldMap, type MapDefinition } from '../../../lib/maps';
import { customersMap, foCustomer } from './fixtures';

const simple = (id: string, dvEntity: string, fields: FieldMap[] = [], company = true): MapDefinition => ({
	id,
	version: '1.0.0',
	title: id,
	fo: { entity: `${id}Fo`, key: company ? ['dataAreaId', 'Id'] : ['Id'] },
	dataverse: { entity: dvEntity, key: company ? ['code', 'msdyn_company.cdm_companycode'] : ['code'] },
	...(company ? { company: { fo: 'dataAreaId', dataverse: 'msdyn_company.cdm_companycode' } } : {}),
	fields: [{ fo: 'Id', dataverse: 'code', direction: 'both' }, ...fields],
});
const lookupTo = (fo: string, nav: string, entity: string): FieldMap => ({ fo, dataverse: `${nav}.code`, direction: 'both', lookup: { entity } });

describe('dependencyOrder', () => {
	const companies = simple('legal-entities', 'cdm_companies', [], false);
	const currencies = simple('currencies', 'transactioncurrencies', [], false);
	const terms = simple('terms', 'msdyn_paymentterms');
	const groups = simple('groups', 'msdyn_customergroups', [lookupTo('Terms', 'msdyn_paymenttermid', 'msdyn_paymentterms')]);
	const customers = customersMap();

	it('orders dependencies first, whatever the input order, and lists the edges', () => {
		const plan = dependencyOrder([customers, groups, terms, currencies, companies]);
		const position = (id: string) => plan.order.indexOf(id);
		expect(plan.order).toHaveLength(5);
		expect(position('legal-entities')).toBeLessThan(position('terms'));
		expect(position('terms')).toBeLessThan(position('groups'));
		expect(position('groups')).toBeLessThan(position('customers-v3-accounts'));
		expect(position('currencies')).toBeLessThan(position('customers-v3-accounts'));
		expect(plan.edges).toContainEqual({ map: 'groups', dependsOn: 'terms', via: 'Terms -> msdyn_paymenttermid.code' });
		expect(plan.cycles).toEqual([]);
	});

	it('reports self-references, not as cycles', () => {
		const plan = dependencyOrder([customers, groups, terms, currencies, companies]);
		expect(plan.selfReferences).toEqual([{ map: 'customers-v3-accounts', field: 'InvoiceAccount -> msdyn_billingaccount.accountnumber' }]);
	});

	it('reports lookups into tables no map writes', () => {
		expect(dependencyOrder([groups]).external.map((e) => e.entity)).toEqual(['cdm_companies', 'msdyn_paymentterms']);
	});

	it('detects cycles and still orders everything', () => {
		const a = simple('a', 'as', [lookupTo('B', 'b', 'bs')], false);
		const b = simple('b', 'bs', [lookupTo('C', 'c', 'cs')], false);
		const c = simple('c', 'cs', [lookupTo('A', 'a', 'as')], false);
		const d = simple('d', 'ds', [], false);
		const plan = dependencyOrder([a, b, c, d]);
		expect(plan.order[0]).toBe('d');
		expect(plan.order).toHaveLength(4);
		expect(plan.cycles).toHaveLength(1);
		expect([...plan.cycles[0]].sort()).toEqual(['a', 'b', 'c']);
	});
});

describe('planPasses', () => {
	it('splits a self-referencing map into write-then-patch', () => {
		const compiled = compileMap(customersMap());
		const passes = planPasses(compiled);
		expect(passes.selfReferences).toEqual(['InvoiceAccount = msdyn_billingaccount.accountnumber']);
		const first = apply(passes.first, 'fo->dataverse', foCustomer());
		const second = apply(passes.second!, 'fo->dataverse', foCustomer());
		if (first.kind !== 'mapped' || second.kind !== 'mapped') throw new Error('expected mapped');
		expect(first.target.lookups.msdyn_billingaccount).toBeUndefined();
		expect(first.target.lookups.msdyn_customergroupid).toBeDefined();
		expect(second.target.lookups.msdyn_billingaccount).toEqual({ entity: 'accounts', key: { accountnumber: 'US-002', 'msdyn_company.cdm_companycode': 'usmf' } });
		expect(second.target.record).toEqual({ accountnumber: 'US-001' });
		expect(second.target.key).toEqual(first.target.key);
		const back = apply(passes.first, 'dataverse->fo', { accountnumber: 'US-001', msdyn_company: { cdm_companycode: 'usmf' }, customertypecode: 3, msdyn_billingaccount: { accountnumber: 'US-002' } });
		expect(back.kind === 'mapped' && 'InvoiceAccount' in back.target.record).toBe(false);
	});

	it('is a single pass without self-references', () => {
		const compiled = compileMap(simple('groups', 'msdyn_customergroups'));
		const passes = planPasses(compiled);
		expect(passes.second).toBeUndefined();
		expect(passes.first).toBe(compiled);
	});
});
