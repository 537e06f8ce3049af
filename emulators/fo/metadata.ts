import { ENUMS } from './enums';
import { NAMESPACE, type EntityDef, type FieldDef } from './model';
import { navigationXml } from './navigation';
import { Store } from './store';
import { edmType } from './values';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function property(f: FieldDef): string {
	const facets: string[] = [`Name="${esc(f.name)}"`, `Type="${edmType(f, NAMESPACE)}"`, 'Nullable="false"'];
	if (f.type.kind === 'String') facets.push(`MaxLength="${f.type.maxLength}"`);
	if (f.type.kind === 'Decimal') facets.push('Precision="32"', `Scale="${f.type.scale ?? 6}"`);
	const label = `<Annotation Term="${NAMESPACE}.Label" String="${esc(f.label)}"/>`;
	const mandatory = f.mandatory ? `<Annotation Term="${NAMESPACE}.Mandatory" Bool="true"/>` : '';
	return `<Property ${facets.join(' ')}>${label}${mandatory}</Property>`;
}

function entityType(def: EntityDef, store: Store): string {
	const key = def.keys.map((k) => `<PropertyRef Name="${k}"/>`).join('');
	return `<EntityType Name="${def.typeName}"><Key>${key}</Key>${def.fields.map(property).join('')}${navigationXml(store, def, NAMESPACE).properties}<Annotation Term="${NAMESPACE}.AOTName" String="${def.aotName}"/></EntityType>`;
}

/** CSDL for `/data/$metadata`, generated from the entity definitions. */
export function buildMetadata(defs: EntityDef[], store: Store = new Store(defs)): string {
	const enums = ENUMS.map((e) => `<EnumType Name="${e.name}">${e.members.map((m) => `<Member Name="${m.name}" Value="${m.value}"/>`).join('')}</EnumType>`).join('');
	const terms = ['Label', 'AOTName'].map((t) => `<Term Name="${t}" Type="Edm.String"/>`).join('') + `<Term Name="Mandatory" Type="Edm.Boolean"/>`;
	const sets = defs
		.map((d) => {
			const bindings = navigationXml(store, d, NAMESPACE).bindings;
			const open = `<EntitySet Name="${d.setName}" EntityType="${NAMESPACE}.${d.typeName}"`;
			return bindings === '' ? `${open}/>` : `${open}>${bindings}</EntitySet>`;
		})
		.join('');
	return (
		'<?xml version="1.0" encoding="utf-8"?>' +
		'<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' +
		`<Schema Namespace="${NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">` +
		defs.map((def) => entityType(def, store)).join('') +
		enums +
		terms +
		`<EntityContainer Name="Resources">${sets}</EntityContainer>` +
		'</Schema></edmx:DataServices></edmx:Edmx>'
	);
}
