import { bool, choice, int, lookup, memo, str, systemColumns, type TableDef } from './types';

/** Platform tables the product registers webhooks through, plus systemuser (target of createdby/modifiedby). */
export const systemuser: TableDef = {
	logicalName: 'systemuser',
	entitySetName: 'systemusers',
	schemaName: 'SystemUser',
	primaryId: 'systemuserid',
	primaryName: 'fullname',
	objectTypeCode: 8,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'systemuserid' }),
		str('fullname', 200),
		str('domainname', 1024),
		{ name: 'applicationid', type: 'uniqueidentifier' },
		{ name: 'azureactivedirectoryobjectid', type: 'uniqueidentifier' },
		{ name: 'businessunitid', type: 'uniqueidentifier' },
		bool('isdisabled', { default: false }),
	],
	alternateKeys: [{ name: 'systemuser_aadobjectid_key', columns: ['azureactivedirectoryobjectid'] }],
};

export const serviceendpoint: TableDef = {
	logicalName: 'serviceendpoint',
	entitySetName: 'serviceendpoints',
	schemaName: 'ServiceEndpoint',
	primaryId: 'serviceendpointid',
	primaryName: 'name',
	objectTypeCode: 4618,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'serviceendpointid' }),
		str('name', 256, { required: true }),
		memo('description', 2000),
		choice('contract', { 1: 'OneWay', 2: 'Queue', 3: 'Rest', 4: 'TwoWay', 5: 'Topic', 6: 'Queue (Persistent)', 7: 'Event Hub', 8: 'Webhook', 9: 'Event Grid', 10: 'Managed Data Lake' }, { required: true }),
		str('url', 2000),
		choice('authtype', { 1: 'ACS', 2: 'SAS Key', 3: 'SAS Token', 4: 'Webhook Key', 5: 'Http Header', 6: 'Http Query String', 7: 'Connection String', 8: 'Access Key' }),
		str('authvalue', 2048, { writeOnly: true }),
		choice('messageformat', { 1: 'Binary XML', 2: 'Json', 3: 'Text XML' }, { default: 2 }),
		choice('userclaim', { 1: 'None', 2: 'UserId', 3: 'UserInfo' }, { default: 1 }),
		str('namespaceaddress', 255),
		str('path', 160),
		str('solutionnamespace', 160),
	],
	alternateKeys: [],
};

export const sdkmessage: TableDef = {
	logicalName: 'sdkmessage',
	entitySetName: 'sdkmessages',
	schemaName: 'SdkMessage',
	primaryId: 'sdkmessageid',
	primaryName: 'name',
	objectTypeCode: 4606,
	changeTracking: true,
	columns: [...systemColumns({ primaryId: 'sdkmessageid' }), str('name', 256, { required: true }), str('categoryname', 25)],
	// Emulator convenience (not in Dataverse): lets a client bind `/sdkmessages(name='Create')`.
	alternateKeys: [{ name: 'emulator_sdkmessage_name_key', columns: ['name'] }],
};

export const sdkmessagefilter: TableDef = {
	logicalName: 'sdkmessagefilter',
	entitySetName: 'sdkmessagefilters',
	schemaName: 'SdkMessageFilter',
	primaryId: 'sdkmessagefilterid',
	primaryName: 'name',
	objectTypeCode: 4607,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'sdkmessagefilterid' }),
		str('name', 256),
		lookup('sdkmessageid', 'sdkmessage', { required: true }),
		str('primaryobjecttypecode', 64, { required: true }),
		str('secondaryobjecttypecode', 64, { default: 'none' }),
		bool('iscustomprocessingstepallowed', { default: true }),
	],
	// Emulator convenience (not in Dataverse): `/sdkmessagefilters(_sdkmessageid_value=<id>,primaryobjecttypecode='account')`.
	alternateKeys: [{ name: 'emulator_sdkmessagefilter_key', columns: ['sdkmessageid', 'primaryobjecttypecode'] }],
};

export const sdkmessageprocessingstep: TableDef = {
	logicalName: 'sdkmessageprocessingstep',
	entitySetName: 'sdkmessageprocessingsteps',
	schemaName: 'SdkMessageProcessingStep',
	primaryId: 'sdkmessageprocessingstepid',
	primaryName: 'name',
	objectTypeCode: 4608,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'sdkmessageprocessingstepid', stateChoices: { 0: 'Enabled', 1: 'Disabled' } }),
		str('name', 256, { required: true }),
		memo('description', 256),
		lookup('sdkmessageid', 'sdkmessage', { required: true }),
		lookup('sdkmessagefilterid', 'sdkmessagefilter'),
		lookup('eventhandler', ['serviceendpoint', 'plugintype']),
		choice('stage', { 10: 'Pre-validation', 20: 'Pre-operation', 30: 'Main Operation', 40: 'Post-operation' }, { required: true }),
		choice('mode', { 0: 'Synchronous', 1: 'Asynchronous' }, { required: true }),
		int('rank', { default: 1, min: 0 }),
		memo('filteringattributes', 100000),
		bool('asyncautodelete', { default: false }),
		choice('supporteddeployment', { 0: 'Server Only', 1: 'Microsoft Dynamics 365 Client for Outlook Only', 2: 'Both' }, { default: 0 }),
		choice('invocationsource', { [-1]: 'Internal', 0: 'Parent', 1: 'Child' }, { default: 0 }),
		bool('canbebypassed', { default: true }),
		memo('configuration', 100000),
		lookup('impersonatinguserid', 'systemuser'),
	],
	alternateKeys: [],
};

export const sdkmessageprocessingstepimage: TableDef = {
	logicalName: 'sdkmessageprocessingstepimage',
	entitySetName: 'sdkmessageprocessingstepimages',
	schemaName: 'SdkMessageProcessingStepImage',
	primaryId: 'sdkmessageprocessingstepimageid',
	primaryName: 'name',
	objectTypeCode: 4615,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'sdkmessageprocessingstepimageid' }),
		str('name', 256),
		str('entityalias', 256, { required: true }),
		choice('imagetype', { 0: 'PreImage', 1: 'PostImage', 2: 'Both' }, { required: true }),
		str('messagepropertyname', 256, { required: true }),
		memo('attributes', 100000),
		lookup('sdkmessageprocessingstepid', 'sdkmessageprocessingstep', { required: true }),
	],
	alternateKeys: [],
};

/** Exists so `eventhandler` can be polymorphic like the real column; the emulator runs no plug-in code. */
export const plugintype: TableDef = {
	logicalName: 'plugintype',
	entitySetName: 'plugintypes',
	schemaName: 'PluginType',
	primaryId: 'plugintypeid',
	primaryName: 'name',
	objectTypeCode: 4602,
	changeTracking: true,
	columns: [...systemColumns({ primaryId: 'plugintypeid' }), str('name', 256), str('typename', 256)],
	alternateKeys: [],
};
