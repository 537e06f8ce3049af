import type {
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodePropertyOptions,
	ResourceMapperFields,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { EntityInfo } from '../../../lib/connectors';
import { mapperFields, type RecordOperation } from '../helpers/fields';
import type { NodeProfile } from '../helpers/profile';
import { getConnector } from '../transport';

async function selectedEntity(context: ILoadOptionsFunctions, profile: NodeProfile): Promise<EntityInfo | undefined> {
	const name = context.getNodeParameter('entity', undefined, { extractValue: true }) as string;
	if (!name) return undefined;
	const connector = await getConnector(context, profile);
	try {
		return await connector.describe(name);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), error instanceof Error ? error.message : String(error));
	}
}

/** `listSearch`, `resourceMapping` and `loadOptions` of one node, bound to its profile. */
export function nodeMethods(profile: NodeProfile) {
	return {
		listSearch: {
			async searchEntities(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				const connector = await getConnector(this, profile);
				const wanted = (filter ?? '').trim().toLowerCase();
				const results = (await connector.listEntities())
					.filter((entity) => !wanted || entity.name.toLowerCase().includes(wanted) || entity.displayName.toLowerCase().includes(wanted))
					.sort((a, b) => a.name.localeCompare(b.name))
					.map((entity) => ({
						name: entity.displayName !== entity.name ? `${entity.name} (${entity.displayName})` : entity.name,
						value: entity.name,
					}));
				return { results };
			},
		},
		resourceMapping: {
			async getMappingColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
				const entity = await selectedEntity(this, profile);
				if (!entity) return { fields: [] };
				const operation = this.getNodeParameter('operation', 'create') as RecordOperation;
				return { fields: mapperFields(entity, operation) };
			},
		},
		loadOptions: {
			async getFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const entity = await selectedEntity(this, profile);
				if (!entity) return [];
				return entity.fields
					.map((field) => ({ name: field.displayName !== field.name ? `${field.name} (${field.displayName})` : field.name, value: field.name }))
					.sort((a, b) => a.value.localeCompare(b.value));
			},
		},
	};
}
