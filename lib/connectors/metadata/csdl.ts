/**
 * CSDL ($metadata) to a neutral model: entity types with keys, properties, navigation properties and alternate
 * keys, enum types, and entity sets with their navigation bindings. Both systems' documents go through this one
 * reader; what the model means for each system is decided in entityInfo.ts.
 */
import { childrenNamed, descendantsNamed, parseXml, type XmlElement } from './xml';

export type AnnotationValue = string | boolean | number | undefined;

export interface CsdlProperty {
	name: string;
	/** Qualified type with aliases resolved: `Edm.String`, `Microsoft.Dynamics.DataEntities.NoYes`, `Collection(...)`. */
	type: string;
	nullable: boolean;
	maxLength?: number;
	annotations: Map<string, AnnotationValue>;
}

export interface CsdlNavigationProperty {
	name: string;
	type: string;
	/** ReferentialConstraint pairs: the dependent property on this type and the principal property it points at. */
	constraints: Array<{ property: string; referencedProperty: string }>;
}

export interface CsdlEntityType {
	namespace: string;
	name: string;
	fullName: string;
	baseType?: string;
	/** Inherited properties, navigation properties and key are merged in. */
	key: string[];
	properties: CsdlProperty[];
	navigationProperties: CsdlNavigationProperty[];
	/** `OData.Community.Keys.V1.AlternateKeys` (Dataverse), each a list of property paths. */
	alternateKeys: string[][];
	annotations: Map<string, AnnotationValue>;
}

export interface CsdlEnumType {
	fullName: string;
	namespace: string;
	name: string;
	members: Array<{ name: string; value: number }>;
}

export interface CsdlEntitySet {
	name: string;
	entityType: string;
	/** Navigation property path -> target entity set. */
	bindings: Map<string, string>;
}

export interface CsdlModel {
	entityTypes: Map<string, CsdlEntityType>;
	enumTypes: Map<string, CsdlEnumType>;
	entitySets: CsdlEntitySet[];
}

const ALTERNATE_IDENTITIES_TERM = 'OData.Community.Keys.V1.AlternateKeys';
const PRIMITIVE_ANNOTATION_ATTRIBUTES = ['String', 'Bool', 'Int', 'Decimal', 'EnumMember', 'Path'] as const;

/** Resolves schema and vocabulary aliases (`mscrm.account` -> `Microsoft.Dynamics.CRM.account`). */
class Names {
	private readonly aliases = new Map<string, string>();

	add(alias: string | undefined, namespace: string | undefined): void {
		if (alias && namespace) this.aliases.set(alias, namespace);
	}

	resolve(name: string): string {
		const collection = /^Collection\((.*)\)$/.exec(name);
		if (collection) return `Collection(${this.resolve(collection[1])})`;
		const dot = name.lastIndexOf('.');
		if (dot < 0) return name;
		const namespace = this.aliases.get(name.slice(0, dot));
		return namespace ? `${namespace}${name.slice(dot)}` : name;
	}
}

function annotationValue(element: XmlElement): AnnotationValue {
	for (const attribute of PRIMITIVE_ANNOTATION_ATTRIBUTES) {
		const value = element.attributes[attribute];
		if (value === undefined) continue;
		if (attribute === 'Bool') return value === 'true';
		if (attribute === 'Int' || attribute === 'Decimal') return Number(value);
		return value;
	}
	// Element form: <Annotation Term="..."><String>text</String></Annotation>.
	const child = element.children.find((candidate) => (PRIMITIVE_ANNOTATION_ATTRIBUTES as readonly string[]).includes(candidate.name));
	if (!child) return element.attributes.Bool === undefined && element.children.length === 0 ? true : undefined;
	if (child.name === 'Bool') return child.text.trim() === 'true';
	if (child.name === 'Int' || child.name === 'Decimal') return Number(child.text.trim());
	return child.text;
}

function readAnnotations(element: XmlElement, names: Names, into = new Map<string, AnnotationValue>()): Map<string, AnnotationValue> {
	for (const annotation of childrenNamed(element, 'Annotation')) {
		const term = annotation.attributes.Term;
		if (term) into.set(names.resolve(term), annotationValue(annotation));
	}
	return into;
}

function readAlternateKeys(entityType: XmlElement, names: Names): string[][] {
	const keys: string[][] = [];
	for (const annotation of childrenNamed(entityType, 'Annotation')) {
		if (names.resolve(annotation.attributes.Term ?? '') !== ALTERNATE_IDENTITIES_TERM) continue;
		for (const record of descendantsNamed(annotation, 'Record')) {
			const keyValue = childrenNamed(record, 'PropertyValue').find((value) => value.attributes.Property === 'Key');
			if (!keyValue) continue;
			const columns = [...descendantsNamed(keyValue, 'Record')]
				.map((ref) => childrenNamed(ref, 'PropertyValue').find((value) => value.attributes.Property === 'Name'))
				.map((value) => value?.attributes.PropertyPath ?? childrenNamed(value ?? emptyElement, 'PropertyPath')[0]?.text.trim())
				.filter((column): column is string => !!column);
			if (columns.length > 0) keys.push(columns);
		}
	}
	return keys;
}

const emptyElement: XmlElement = { name: '', attributes: {}, children: [], text: '' };

function readProperty(element: XmlElement, names: Names): CsdlProperty {
	const maxLength = Number(element.attributes.MaxLength);
	return {
		name: element.attributes.Name,
		type: names.resolve(element.attributes.Type ?? 'Edm.String'),
		nullable: element.attributes.Nullable !== 'false',
		...(Number.isFinite(maxLength) && maxLength > 0 ? { maxLength } : {}),
		annotations: readAnnotations(element, names),
	};
}

function readNavigationProperty(element: XmlElement, names: Names): CsdlNavigationProperty {
	return {
		name: element.attributes.Name,
		type: names.resolve(element.attributes.Type ?? ''),
		constraints: childrenNamed(element, 'ReferentialConstraint').map((constraint) => ({
			property: constraint.attributes.Property,
			referencedProperty: constraint.attributes.ReferencedProperty,
		})),
	};
}

export class CsdlError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'CsdlError';
	}
}

export function parseCsdl(xml: string): CsdlModel {
	let document: XmlElement | undefined;
	let failure: unknown;
	try {
		document = parseXml(xml);
	} catch (error) {
		failure = error;
	}
	if (!document) throw new CsdlError(`$metadata is not readable XML: ${(failure as Error).message}`, { cause: failure });
	if (document.name !== 'Edmx') throw new CsdlError(`$metadata is not a CSDL document (root element <${document.name}>)`);
	const names = new Names();
	const schemas = [...descendantsNamed(document, 'Schema')];
	for (const include of descendantsNamed(document, 'Include')) names.add(include.attributes.Alias, include.attributes.Namespace);
	for (const schema of schemas) names.add(schema.attributes.Alias, schema.attributes.Namespace);

	const declared = new Map<string, { namespace: string; element: XmlElement }>();
	const enumTypes = new Map<string, CsdlEnumType>();
	const entitySets: CsdlEntitySet[] = [];
	const external = new Map<string, XmlElement[]>();
	for (const schema of schemas) {
		const namespace = schema.attributes.Namespace ?? '';
		for (const element of childrenNamed(schema, 'EntityType')) declared.set(`${namespace}.${element.attributes.Name}`, { namespace, element });
		for (const element of childrenNamed(schema, 'EnumType')) {
			const fullName = `${namespace}.${element.attributes.Name}`;
			let next = 0;
			const members = childrenNamed(element, 'Member').map((member) => {
				const value = member.attributes.Value === undefined ? next : Number(member.attributes.Value);
				next = value + 1;
				return { name: member.attributes.Name, value };
			});
			enumTypes.set(fullName, { fullName, namespace, name: element.attributes.Name, members });
		}
		for (const container of childrenNamed(schema, 'EntityContainer')) {
			for (const set of childrenNamed(container, 'EntitySet')) {
				const bindings = new Map(childrenNamed(set, 'NavigationPropertyBinding').map((binding) => [binding.attributes.Path, binding.attributes.Target]));
				entitySets.push({ name: set.attributes.Name, entityType: names.resolve(set.attributes.EntityType ?? ''), bindings });
			}
		}
		for (const annotations of childrenNamed(schema, 'Annotations')) {
			const target = names.resolve(annotations.attributes.Target ?? '');
			external.set(target, [...(external.get(target) ?? []), annotations]);
		}
	}

	const entityTypes = new Map<string, CsdlEntityType>();
	const resolving = new Set<string>();
	const resolve = (fullName: string): CsdlEntityType | undefined => {
		const cached = entityTypes.get(fullName);
		if (cached) return cached;
		const found = declared.get(fullName);
		if (!found || resolving.has(fullName)) return undefined;
		resolving.add(fullName);
		const { namespace, element } = found;
		const baseType = element.attributes.BaseType ? names.resolve(element.attributes.BaseType) : undefined;
		const base = baseType ? resolve(baseType) : undefined;
		const ownKey = childrenNamed(element, 'Key').flatMap((key) => childrenNamed(key, 'PropertyRef').map((ref) => ref.attributes.Name));
		const properties = [...(base?.properties ?? []), ...childrenNamed(element, 'Property').map((property) => readProperty(property, names))];
		for (const property of properties) {
			for (const annotations of external.get(`${fullName}/${property.name}`) ?? []) readAnnotations(annotations, names, property.annotations);
		}
		const annotations = readAnnotations(element, names);
		for (const extra of external.get(fullName) ?? []) readAnnotations(extra, names, annotations);
		const type: CsdlEntityType = {
			namespace,
			name: element.attributes.Name,
			fullName,
			...(baseType ? { baseType } : {}),
			key: ownKey.length > 0 ? ownKey : (base?.key ?? []),
			properties,
			navigationProperties: [
				...(base?.navigationProperties ?? []),
				...childrenNamed(element, 'NavigationProperty').map((navigation) => readNavigationProperty(navigation, names)),
			],
			alternateKeys: [...readAlternateKeys(element, names), ...(external.get(fullName) ?? []).flatMap((extra) => readAlternateKeys(extra, names))],
			annotations,
		};
		resolving.delete(fullName);
		entityTypes.set(fullName, type);
		return type;
	};
	for (const fullName of declared.keys()) resolve(fullName);
	return { entityTypes, enumTypes, entitySets };
}
