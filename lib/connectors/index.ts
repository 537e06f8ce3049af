/** The connectors: one interface (types.ts) over F&O OData and the Dataverse Web API. */
import type { SystemName } from '../odata';
import { DataverseConnector } from './dataverse/dataverseConnector';
import { FoConnector } from './fo/foConnector';
import type { ChangeTrackingConnector, Connector, ConnectorOptions } from './types';

export type * from './types';
export { clearMetadataCache } from './shared/baseConnector';
export { DATAVERSE_DEFAULT_BATCH_SIZE, DATAVERSE_MAX_BATCH_SIZE, DATAVERSE_MAX_PAGE_SIZE } from './dataverse/dataverseConnector';
export { FO_DEFAULT_BATCH_SIZE, FO_MAX_BATCH_SIZE } from './fo/foConnector';
export { isDuplicateCreate } from './fo/foUpsert';
export { parseCsdl, type CsdlModel } from './metadata/csdl';
export { toEntityInfos } from './metadata/entityInfo';
export { closeMatches } from './metadata/suggest';

export { ChangeTrackingExpiredError, EXPIRED_VERSION_STAMP, changeTrackingFailure, type ChangeTrackingFailure } from './dataverse/changeTracking';

export function createConnector(system: 'dataverse', options: ConnectorOptions): ChangeTrackingConnector;
export function createConnector(system: SystemName, options: ConnectorOptions): Connector;
export function createConnector(system: SystemName, options: ConnectorOptions): Connector {
	return system === 'fo' ? new FoConnector(options) : new DataverseConnector(options);
}

/** Whether a connector reads change tracking (Dataverse's do). */
export function supportsChangeTracking(connector: Connector): connector is ChangeTrackingConnector {
	return typeof (connector as Partial<ChangeTrackingConnector>).readChanges === 'function';
}
export {
	DataverseWebhookRegistrar,
	headerAuthValue,
	newWebhookSecret,
	parseFilteringAttributes,
	POST_IMAGE_ALIAS,
	postImageBody,
	registrationSignature,
	secretMatches,
	serviceEndpointBody,
	staleEndpoints,
	stepBody,
	WEBHOOK_MESSAGES,
	WEBHOOK_SECRET_HEADER,
	type ExistingEndpoint,
	type Registration,
	type WebhookMessage,
} from './dataverse/webhookRegistration';
