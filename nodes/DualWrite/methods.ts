import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import type { StateStore } from '../../lib/state';
import { sharedStateStore } from '../shared/state';
import { mapOptions } from './actions/common';

/** The state store when it opens; the catalog alone otherwise (the editor must still list maps). */
async function storeIfAvailable(): Promise<StateStore | undefined> {
	try {
		return await sharedStateStore();
	} catch {
		return undefined;
	}
}

export const loadOptions = {
	async getMaps(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return await mapOptions(await storeIfAvailable(), false);
	},
	async getMapsOrAll(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return await mapOptions(await storeIfAvailable(), true);
	},
};
