export * from './changeEvent';
export { parseDataverseWebhook, type DataverseWebhookOptions, type DeliveryHeaders, type WebhookDelivery } from './dataverseWebhook';
export { FO_OPTION_BASE, parseFoBusinessEvent, parseFoDataEvent, parseFoEvent, type FoDelivery, type FoEventEntity, type FoEventField } from './foEvent';
export { dataverseTriggerItem, TRIGGER_SOURCE_FIELD, type DataverseTriggerItem, type DataverseTriggerSource } from './triggerItem';
