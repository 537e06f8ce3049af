import type { Engine, RequestContext } from './engine';
import type { Table } from './schema';
import { EDM } from './values';

/**
 * `$metadata` (CSDL) and the service document, generated from the table definitions: entity types with
 * key, properties, `_x_value` lookup properties with their navigation properties, alternate keys as the
 * `OData.Community.Keys.V1.AlternateKeys` annotation Dataverse uses, entity sets, and the WhoAmI function.
 * `?annotations=true` adds the change-tracking capability annotation on entity sets.
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function entityType(engine: Engine, t: Table): string {
	const d = t.def;
	const lines: string[] = [`<EntityType Name="${d.logicalName}" BaseType="mscrm.crmbaseentity">`, `<Key><PropertyRef Name="${d.primaryId}" /></Key>`];
	for (const c of d.columns) {
		if (c.type === 'lookup') continue;
		const facets = c.maxLength !== undefined && (c.type === 'string' || c.type === 'memo') ? ` MaxLength="${c.maxLength}"` : '';
		const nullable = c.name === d.primaryId ? ' Nullable="false"' : '';
		lines.push(`<Property Name="${c.name}" Type="${EDM[c.type]}"${facets}${nullable}>${c.type === 'choice' ? `<Annotation Term="Microsoft.Dynamics.CRM.OptionSet" String="${esc(JSON.stringify(c.choices ?? {}))}" />` : ''}</Property>`);
	}
	for (const l of t.lookups.values()) {
		lines.push(`<Property Name="${l.valueName}" Type="Edm.Guid" />`);
		for (const [nav, target] of l.navigations) {
			const tt = engine.schema.table(target);
			lines.push(
				`<NavigationProperty Name="${nav}" Type="mscrm.${target}" Nullable="false" Partner="${d.logicalName}_${nav}"><ReferentialConstraint Property="${l.valueName}" ReferencedProperty="${tt.def.primaryId}" /></NavigationProperty>`,
			);
		}
	}
	if (t.keys.length) {
		lines.push('<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>');
		for (const k of t.keys) {
			lines.push('<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>');
			for (const c of k.columns) {
				const name = t.lookups.has(c) ? `_${c}_value` : c;
				lines.push(`<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" String="${name}" /><PropertyValue Property="Name" PropertyPath="${name}" /></Record>`);
			}
			lines.push(`</Collection></PropertyValue><PropertyValue Property="Name" String="${k.name}" /></Record>`);
		}
		lines.push('</Collection></Annotation>');
	}
	lines.push('</EntityType>');
	return lines.join('');
}

export function buildMetadata(engine: Engine, annotations: boolean): string {
	const tables = [...engine.schema.byLogical.values()];
	const sets = tables.map((t) => {
		const bindings = [...t.lookups.values()].flatMap((l) => [...l.navigations].map(([nav, target]) => `<NavigationPropertyBinding Path="${nav}" Target="${engine.schema.table(target).def.entitySetName}" />`));
		const ct = annotations && t.def.changeTracking ? '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation>' : '';
		return `<EntitySet Name="${t.def.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${t.def.logicalName}">${bindings.join('')}${ct}</EntitySet>`;
	});
	return [
		'<?xml version="1.0" encoding="utf-8"?>',
		'<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
		'<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Keys.V1.xml"><edmx:Include Namespace="OData.Community.Keys.V1" Alias="Keys" /></edmx:Reference>',
		'<edmx:Reference Uri="http://docs.oasis-open.org/odata/odata/v4.0/os/vocabularies/Org.OData.Capabilities.V1.xml"><edmx:Include Namespace="Org.OData.Capabilities.V1" Alias="Capabilities" /></edmx:Reference>',
		'<edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
		'<EntityType Name="crmbaseentity" Abstract="true" />',
		'<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="UserId" Type="Edm.Guid" Nullable="false" /><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /></ComplexType>',
		...tables.map((t) => entityType(engine, t)),
		'<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" /></Function>',
		'<EntityContainer Name="System">',
		...sets,
		'<FunctionImport Name="WhoAmI" Function="mscrm.WhoAmI" />',
		'</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>',
	].join('\n');
}

export function serviceDocument(engine: Engine, ctx: RequestContext): Record<string, unknown> {
	return {
		'@odata.context': `${engine.apiRoot(ctx)}/$metadata`,
		value: [...engine.schema.byLogical.values()].map((t) => ({ name: t.def.entitySetName, kind: 'EntitySet', url: t.def.entitySetName })),
	};
}
