/**
 * Runs our two nodes through n8n's real execution engine (test/support/run-node.ts) against the emulators, with
 * credentials as n8n would resolve them, so every request is real HTTP with a real OAuth2 token.
 */
import type { IDataObject, INodeExecutionData, INodeParameters, ResourceMapperValue } from 'n8n-workflow';
import { startEmulators, type RunningEmulators } from '../../../emulators';
import { DataverseDualWrite } from '../../../nodes/DataverseDualWrite/DataverseDualWrite.node';
import { DynamicsFo } from '../../../nodes/DynamicsFo/DynamicsFo.node';
import { createCredentialsHelper, runNode, type RunNodeResult } from '../../support/run-node';

export type System = 'fo' | 'dataverse';

const NODES = {
	fo: { nodeType: new DynamicsFo(), type: 'n8n-nodes-dual-write.dynamicsFo', credential: 'dualWriteFoOAuth2Api' },
	dataverse: { nodeType: new DataverseDualWrite(), type: 'n8n-nodes-dual-write.dataverseDualWrite', credential: 'dualWriteDataverseOAuth2Api' },
} as const;

export interface NodeTestbed {
	emulators: RunningEmulators;
	/** Parameters as they would be saved in a workflow. */
	run(system: System, parameters: Record<string, unknown>, options?: { input?: IDataObject[]; continueOnFail?: boolean }): Promise<RunNodeResult>;
	/** Replaces the token n8n stored for a credential type, as if it had expired or been revoked. */
	spoilToken(credentialType: string): void;
	/** Total requests the emulator served (its `/_emulator/stats`). */
	requestCount(system: System): Promise<number>;
	close(): Promise<void>;
}

export async function startTestbed(): Promise<NodeTestbed> {
	const emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 8 } });
	// Credentials as n8n hands them to the node after resolving the credential type's expressions
	// (Cloud = custom: the token URL is the emulator's v2 endpoint; scope = environment URL + /.default).
	const credentials = (url: string) => ({
		grantType: 'clientCredentials',
		environmentUrl: url,
		tenantId: emulators.tenantId,
		cloud: 'custom',
		customTokenUrl: emulators.token.tokenUrl,
		accessTokenUrl: emulators.token.tokenUrl,
		scope: `${url}/.default`,
		clientId: emulators.integrationApp.clientId,
		clientSecret: emulators.integrationApp.clientSecret,
		authentication: 'body',
	});
	// One helper for the whole file: n8n keeps the token it fetched, as its credential store would.
	const credentialsHelper = createCredentialsHelper({
		dualWriteFoOAuth2Api: credentials(emulators.fo.url),
		dualWriteDataverseOAuth2Api: credentials(emulators.dataverse.url),
	});
	return {
		emulators,
		run: (system, parameters, options = {}) =>
			runNode({
				nodeType: NODES[system].nodeType,
				type: NODES[system].type,
				parameters: { resource: 'record', ...parameters } as INodeParameters,
				credentials: {},
				credentialsHelper,
				input: options.input?.map((json): INodeExecutionData => ({ json })),
				continueOnFail: options.continueOnFail,
			}),
		spoilToken: (credentialType) => {
			const stored = credentialsHelper.stored.get(credentialType)?.oauthTokenData as Record<string, unknown> | undefined;
			if (!stored) throw new Error(`no token stored for ${credentialType} yet`);
			credentialsHelper.stored.set(credentialType, { oauthTokenData: { ...stored, access_token: 'eyJhbGciOiJIUzI1NiJ9.e30.spoiled' } });
		},
		requestCount: async (system) => {
			const response = await fetch(`${system === 'fo' ? emulators.fo.url : emulators.dataverse.url}/_emulator/stats`);
			return ((await response.json()) as { totalRequests: number }).totalRequests;
		},
		close: () => emulators.close(),
	};
}

export const entity = (name: string) => ({ __rl: true, mode: 'name', value: name });

type MapperValues = Record<string, string | number | boolean | null>;

/** A resource mapper parameter with its values defined in the node (schema left for n8n to fill in the editor). */
export const columns = (value: MapperValues, matchingColumns: string[] = []): ResourceMapperValue => ({
	mappingMode: 'defineBelow',
	value,
	matchingColumns,
	schema: [],
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

export const autoMap = (matchingColumns: string[] = []): ResourceMapperValue => ({
	mappingMode: 'autoMapInputData',
	value: null,
	matchingColumns,
	schema: [],
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

export const jsonOf = (result: RunNodeResult) => result.items.map((item) => item.json);
