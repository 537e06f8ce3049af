/** The two Dynamics back ends; connectors, errors and the item envelope all name a side with this. */
export type SystemName = 'fo' | 'dataverse';

export const SYSTEM_LABELS: Readonly<Record<SystemName, string>> = {
	fo: 'F&O',
	dataverse: 'Dataverse',
};
