export * from './changeEvent';
export { parseDataverseWebhook, type DataverseWebhookOptions, type DeliveryHeaders, type WebhookDelivery } from './dataverseWebhook';
export { isEntityReference, lookupFieldsOfMap, resolveLookups, type LookupFields, type ResolveLookupsOptions } from './lookups';
export { FO_OPTION_BASE, foEventEntity, parseFoBusinessEvent, parseFoDataEvent, parseFoEvent, type FoDelivery, type FoEventEntity, type FoEventField } from './foEvent';
export {
	dataverseTriggerItem,
	FO_TRIGGER_SOURCE_FIELD,
	foTriggerItem,
	TRIGGER_SOURCE_FIELD,
	type DataverseTriggerItem,
	type DataverseTriggerSource,
	type FoTriggerItem,
	type FoTriggerSource,
} from './triggerItem';
