/**
 * The same scenarios on both systems: each side supplies an entity, how to build a key, a valid record, a record
 * the server rejects, and the field that tells two versions apart.
 */
import { createConnector, type Connector, type DataRecord, type RecordKey } from '../../../lib/connectors';
import type { HttpRequest, SystemName, Transport } from '../../../lib/odata';
import type { EmulatedSystem, Emulators } from '../../support/emulators';

export interface SystemFixture {
	system: SystemName;
	entity: string;
	key(account: string): RecordKey;
	record(name: string): DataRecord;
	/** Rejected by the server (not by the connector). */
	invalid: DataRecord;
	nameField: string;
	emulated: EmulatedSystem<unknown>;
	connector(options?: { onRetry?: Parameters<typeof createConnector>[1]['onRetry']; transport?: Transport }): Connector;
	/** Every request the connectors made through `recorded` since the last clear. */
	requests: HttpRequest[];
}

export async function fixtures(emulators: Emulators): Promise<Record<SystemName, SystemFixture>> {
	const make = (system: SystemName, emulated: EmulatedSystem<unknown>, rest: Omit<SystemFixture, 'system' | 'emulated' | 'connector' | 'requests'>): SystemFixture => {
		const requests: HttpRequest[] = [];
		const recorded: Transport = (request) => {
			requests.push(request);
			return emulated.transport(request);
		};
		return {
			system,
			emulated,
			requests,
			...rest,
			connector: (options = {}) =>
				createConnector(system, {
					environmentUrl: emulated.url,
					transport: options.transport ?? recorded,
					// Tests wait real Retry-After seconds but no exponential backoff.
					retry: { baseDelayMs: 10, maxDelayMs: 50 },
					...(options.onRetry ? { onRetry: options.onRetry } : {}),
				}),
		};
	};
	const dataverse = make('dataverse', emulators.dataverse, {
		entity: 'accounts',
		key: () => ({}),
		record: (name) => ({ name }),
		invalid: { numberofemployees: 'many' },
		nameField: 'name',
	});
	const usmf = await dataverse.connector().get('cdm_companies', { cdm_companycode: 'usmf' });
	const usmfId = usmf?.cdm_companyid as string;
	dataverse.key = (account) => ({ accountnumber: account, _msdyn_company_value: usmfId });
	return {
		fo: make('fo', emulators.fo, {
			entity: 'CustomersV3',
			key: (account) => ({ dataAreaId: 'usmf', CustomerAccount: account }),
			record: (name) => ({ OrganizationName: name, CustomerGroupId: '10' }),
			invalid: { CustomerGroupId: 'NOPE' },
			nameField: 'OrganizationName',
		}),
		dataverse,
	};
}

export interface Stats {
	totalRequests: number;
	faultedRequests: number;
}

export const stats = (emulated: EmulatedSystem<unknown>): Promise<Stats> => emulated.admin<Stats>('GET', '/_emulator/stats');
