/**
 * The CSDL model as the connector interface's EntityInfo. This is where the two systems' metadata conventions
 * meet: F&O labels and mandatory flags are annotations and enums are EnumTypes; Dataverse choices are Int32
 * columns with an option-set annotation, lookups are `_x_value` columns tied to a navigation property, and
 * alternate keys are a vocabulary annotation.
 */
import { enumType, type EdmPrimitiveType, type EdmType, type SystemName } from '../../odata';
import type { EntityInfo, FieldInfo, FieldKind, FieldOption } from '../types';
import type { CsdlEntitySet, CsdlEntityType, CsdlModel, CsdlProperty } from './csdl';

const FO_LABEL = 'Microsoft.Dynamics.DataEntities.Label';
const FO_MANDATORY = 'Microsoft.Dynamics.DataEntities.Mandatory';
const DATAVERSE_OPTION_SET = 'Microsoft.Dynamics.CRM.OptionSet';
const CORE_COMPUTED = 'Org.OData.Core.V1.Computed';
const CORE_DESCRIPTION = 'Org.OData.Core.V1.Description';
const FO_COMPANY_FIELD = 'dataAreaId';
const DATAVERSE_COMPANY_FIELD = '_msdyn_company_value';

/**
 * Columns the platform maintains itself. Neither emulator nor service marks them in $metadata, so writers would
 * otherwise send values the server ignores (and that diff-before-write would see as changes forever).
 */
const SERVER_MAINTAINED: Readonly<Record<SystemName, ReadonlySet<string>>> = {
	fo: new Set(['ModifiedDateTime']),
	dataverse: new Set(['versionnumber', 'createdon', 'modifiedon', 'overriddencreatedon']),
};

const PRIMITIVES: Readonly<Record<string, { kind: FieldKind; edmType: EdmPrimitiveType }>> = {
	'Edm.String': { kind: 'string', edmType: 'Edm.String' },
	'Edm.Guid': { kind: 'guid', edmType: 'Edm.Guid' },
	'Edm.Boolean': { kind: 'boolean', edmType: 'Edm.Boolean' },
	'Edm.Byte': { kind: 'integer', edmType: 'Edm.Int32' },
	'Edm.SByte': { kind: 'integer', edmType: 'Edm.Int32' },
	'Edm.Int16': { kind: 'integer', edmType: 'Edm.Int32' },
	'Edm.Int32': { kind: 'integer', edmType: 'Edm.Int32' },
	'Edm.Int64': { kind: 'integer', edmType: 'Edm.Int64' },
	'Edm.Decimal': { kind: 'decimal', edmType: 'Edm.Decimal' },
	'Edm.Double': { kind: 'decimal', edmType: 'Edm.Double' },
	'Edm.Single': { kind: 'decimal', edmType: 'Edm.Double' },
	'Edm.Date': { kind: 'date', edmType: 'Edm.Date' },
	'Edm.DateTimeOffset': { kind: 'datetime', edmType: 'Edm.DateTimeOffset' },
};

export function toEntityInfos(model: CsdlModel, system: SystemName): EntityInfo[] {
	const infos: EntityInfo[] = [];
	for (const set of model.entitySets) {
		const type = model.entityTypes.get(set.entityType);
		if (type) infos.push(toEntityInfo(model, system, set, type));
	}
	return infos;
}

function toEntityInfo(model: CsdlModel, system: SystemName, set: CsdlEntitySet, type: CsdlEntityType): EntityInfo {
	const fields = type.properties
		.map((property) => toField(model, system, set, type, property))
		.filter((field): field is FieldInfo => field !== undefined);
	const label = type.annotations.get(FO_LABEL) ?? type.annotations.get(CORE_DESCRIPTION);
	return {
		system,
		name: set.name,
		typeName: type.name,
		displayName: typeof label === 'string' && label !== '' ? label : set.name,
		key: [...type.key],
		alternateKeys: system === 'dataverse' ? type.alternateKeys.map((key) => [...key]) : [],
		companySpecific:
			system === 'fo' ? type.key.includes(FO_COMPANY_FIELD) : type.properties.some((property) => property.name === DATAVERSE_COMPANY_FIELD),
		fields,
	};
}

function toField(model: CsdlModel, system: SystemName, set: CsdlEntitySet, type: CsdlEntityType, property: CsdlProperty): FieldInfo | undefined {
	const label = property.annotations.get(FO_LABEL);
	const base = {
		name: property.name,
		displayName: typeof label === 'string' && label !== '' ? label : property.name,
		required: property.annotations.get(FO_MANDATORY) === true,
		readOnly: property.annotations.get(CORE_COMPUTED) === true || SERVER_MAINTAINED[system].has(property.name),
		...(property.maxLength !== undefined ? { maxLength: property.maxLength } : {}),
	};
	const enumDefinition = model.enumTypes.get(property.type);
	if (enumDefinition) {
		const edmType: EdmType = enumType(enumDefinition.name, enumDefinition.namespace);
		return { ...base, kind: 'enum', edmType, options: enumDefinition.members.map((member) => ({ name: member.name, value: member.name })) };
	}
	const primitive = PRIMITIVES[property.type];
	if (!primitive) return undefined;
	if (system === 'dataverse') {
		const navigation = type.navigationProperties.find((candidate) => candidate.constraints.some((constraint) => constraint.property === property.name));
		if (navigation && primitive.kind === 'guid') {
			const bound = set.bindings.get(navigation.name);
			const targets = bound ? [bound] : model.entitySets.filter((candidate) => candidate.entityType === navigation.type).map((candidate) => candidate.name);
			// Written through `<nav>@odata.bind`, never as the `_x_value` column itself.
			return { ...base, readOnly: true, kind: 'lookup', edmType: primitive.edmType, lookup: { navigationProperty: navigation.name, targets } };
		}
		const options = optionSet(property.annotations.get(DATAVERSE_OPTION_SET));
		if (options && primitive.kind === 'integer') return { ...base, kind: 'choice', edmType: primitive.edmType, options };
	}
	return { ...base, kind: primitive.kind, edmType: primitive.edmType };
}

/** The emulator writes choices as a JSON object `{"<value>":"<label>"}`. */
function optionSet(annotation: unknown): FieldOption[] | undefined {
	if (typeof annotation !== 'string') return undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(annotation);
	} catch {
		return undefined;
	}
	if (!parsed || typeof parsed !== 'object') return undefined;
	return Object.entries(parsed as Record<string, unknown>).map(([value, label]) => ({ name: String(label), value: Number(value) }));
}
