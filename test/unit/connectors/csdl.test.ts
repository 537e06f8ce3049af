import { ENTITIES } from '../../../emulators/fo/entities';
import { buildMetadata as buildFoMetadata } from '../../../emulators/fo/metadata';
import { Engine } from '../../../emulators/dataverse/engine';
import { buildMetadata as buildDataverseMetadata } from '../../../emulators/dataverse/metadata';
import { CsdlError, parseCsdl } from '../../../lib/connectors/metadata/csdl';
import { toEntityInfos } from '../../../lib/connectors/metadata/entityInfo';
import type { EntityInfo } from '../../../lib/connectors/types';

const byName = (infos: EntityInfo[], name: string): EntityInfo => {
	const info = infos.find((candidate) => candidate.name === name);
	if (!info) throw new Error(`no ${name} in ${infos.map((candidate) => candidate.name).join(', ')}`);
	return info;
};
const field = (info: EntityInfo, name: string) => info.fields.find((candidate) => candidate.name === name);

describe("the F&O emulator's real $metadata", () => {
	const infos = toEntityInfos(parseCsdl(buildFoMetadata(ENTITIES)), 'fo');

	it('lists every entity set with its natural key', () => {
		expect(infos.map((info) => info.name)).toEqual(ENTITIES.map((definition) => definition.setName));
		const customers = byName(infos, 'CustomersV3');
		expect(customers).toMatchObject({ system: 'fo', typeName: 'CustomerV3', key: ['dataAreaId', 'CustomerAccount'], alternateKeys: [], companySpecific: true });
		expect(byName(infos, 'Currencies')).toMatchObject({ key: ['CurrencyCode'], companySpecific: false });
	});

	it('reads labels, mandatory flags, MaxLength and server-maintained fields', () => {
		const customers = byName(infos, 'CustomersV3');
		expect(field(customers, 'CustomerGroupId')).toMatchObject({ displayName: 'Customer group', kind: 'string', edmType: 'Edm.String', required: true, maxLength: 10 });
		expect(field(customers, 'OrganizationName')).toMatchObject({ required: false, maxLength: 100 });
		expect(field(customers, 'ModifiedDateTime')).toMatchObject({ kind: 'datetime', readOnly: true });
	});

	it('types enum fields with their EnumType members', () => {
		const units = byName(infos, 'UnitsOfMeasure');
		const isBase = field(units, 'IsBaseUnit');
		expect(isBase).toMatchObject({ kind: 'enum', edmType: { kind: 'enum', namespace: 'Microsoft.Dynamics.DataEntities', name: 'NoYes' } });
		expect(isBase?.options).toEqual([
			{ name: 'No', value: 'No' },
			{ name: 'Yes', value: 'Yes' },
		]);
	});
});

describe("the Dataverse emulator's real $metadata", () => {
	const infos = toEntityInfos(parseCsdl(buildDataverseMetadata(new Engine('http://dataverse.test'), true)), 'dataverse');

	it('finds the primary key through the abstract base type and the alternate keys from the vocabulary annotation', () => {
		const accounts = byName(infos, 'accounts');
		expect(accounts).toMatchObject({ typeName: 'account', key: ['accountid'], alternateKeys: [['accountnumber', '_msdyn_company_value']], companySpecific: true });
		expect(byName(infos, 'cdm_companies')).toMatchObject({ key: ['cdm_companyid'], alternateKeys: [['cdm_companycode']], companySpecific: false });
	});

	it('turns _x_value columns into lookups with their navigation property and target set', () => {
		const accounts = byName(infos, 'accounts');
		expect(field(accounts, '_msdyn_company_value')).toMatchObject({
			kind: 'lookup',
			edmType: 'Edm.Guid',
			readOnly: true,
			lookup: { navigationProperty: 'msdyn_company', targets: ['cdm_companies'] },
		});
		expect(field(accounts, '_primarycontactid_value')?.lookup).toEqual({ navigationProperty: 'primarycontactid', targets: ['contacts'] });
	});

	it('turns option-set Int32 columns into choices', () => {
		const statecode = field(byName(infos, 'accounts'), 'statecode');
		expect(statecode).toMatchObject({ kind: 'choice', edmType: 'Edm.Int32' });
		expect(statecode?.options).toEqual([
			{ name: 'Active', value: 0 },
			{ name: 'Inactive', value: 1 },
		]);
		expect(field(byName(infos, 'accounts'), 'versionnumber')).toMatchObject({ kind: 'integer', readOnly: true });
	});
});

describe('parseCsdl on hand-written documents', () => {
	const doc = (schema: string) =>
		`<?xml version="1.0"?>\n<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
		<edmx:Reference Uri="x"><edmx:Include Alias="K" Namespace="OData.Community.Keys.V1"/></edmx:Reference>
		<edmx:DataServices>${schema}</edmx:DataServices></edmx:Edmx>`;

	it('resolves aliases, inherits keys and properties, and reads element-form and external annotations', () => {
		const model = parseCsdl(
			doc(`<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Alias="n" Namespace="Ns.One">
				<EntityType Abstract="true" Name="Base"><Key><PropertyRef Name="id"/></Key><Property Type="Edm.Guid" Name="id" Nullable="false"/></EntityType>
				<EntityType BaseType="n.Base" Name="Thing">
					<Property Name="code" Type="Edm.String" MaxLength="5"><Annotation Term="Org.OData.Core.V1.Description"><String>Code &amp; more</String></Annotation></Property>
					<Property Name="kind" Type="n.Kind"/>
					<Annotation Term="K.AlternateKeys"><Collection><Record><PropertyValue Property="Key"><Collection>
						<Record><PropertyValue Property="Name"><PropertyPath>code</PropertyPath></PropertyValue></Record>
					</Collection></PropertyValue></Record></Collection></Annotation>
				</EntityType>
				<EnumType Name="Kind"><Member Name="A"/><Member Name="B" Value="5"/><Member Name="C"/></EnumType>
				<Annotations Target="n.Thing/code"><Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/></Annotations>
				<EntityContainer Name="C"><EntitySet EntityType="n.Thing" Name="Things"/></EntityContainer>
			</Schema>`),
		);
		const thing = model.entityTypes.get('Ns.One.Thing');
		expect(thing?.key).toEqual(['id']);
		expect(thing?.properties.map((property) => [property.name, property.type, property.nullable])).toEqual([
			['id', 'Edm.Guid', false],
			['code', 'Edm.String', true],
			['kind', 'Ns.One.Kind', true],
		]);
		expect(thing?.alternateKeys).toEqual([['code']]);
		expect(model.enumTypes.get('Ns.One.Kind')?.members).toEqual([
			{ name: 'A', value: 0 },
			{ name: 'B', value: 5 },
			{ name: 'C', value: 6 },
		]);
		const [info] = toEntityInfos(model, 'dataverse');
		expect(info.name).toBe('Things');
		expect(info.fields.find((candidate) => candidate.name === 'code')).toMatchObject({ readOnly: true, maxLength: 5 });
		expect(info.fields.find((candidate) => candidate.name === 'kind')?.options?.map((option) => option.name)).toEqual(['A', 'B', 'C']);
	});

	it('skips entity sets whose type is not declared, and rejects documents that are not CSDL', () => {
		const model = parseCsdl(doc('<Schema Namespace="X"><EntityContainer Name="C"><EntitySet Name="Ghosts" EntityType="X.Ghost"/></EntityContainer></Schema>'));
		expect(toEntityInfos(model, 'fo')).toEqual([]);
		expect(() => parseCsdl('<html><body>Sign in</body></html>')).toThrow(CsdlError);
		expect(() => parseCsdl('{"error":{}}')).toThrow(/not readable XML/);
	});
});
