/**
 * Runs one of our nodes through n8n's real execution engine (n8n-core's WorkflowExecute), so that parameter
 * resolution, resource locators, continue-on-fail, pairedItem and, above all, `httpRequestWithAuthentication`
 * with n8n's own OAuth2 client-credentials flow are n8n's code, not a hand-written imitation.
 *
 * The workflow is `Input -> <our node>`: `Input` is a pass-through start node that plays the part of a Manual
 * Trigger but can hand over any items. Only the credentials helper is ours: it serves plaintext credentials
 * (already resolved, as n8n's would be after expression evaluation) and keeps the token n8n fetched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// n8n-core's InstanceSettings writes a config file into the user folder on first use; keep it out of $HOME.
process.env.N8N_USER_FOLDER ??= mkdtempSync(path.join(tmpdir(), 'dw-run-node-'));
// n8n's error reporter logs every node error it records; tests assert on those errors instead.
process.env.N8N_LOG_LEVEL ??= 'silent';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type ITaskData,
	type IVersionedNodeType,
	type IWorkflowExecuteAdditionalData,
	type INodeTypeDescription,
} from 'n8n-workflow';

const INPUT_TYPE = 'dw-test.input';

/** A start node that forwards the items the harness puts on the execution stack. */
class InputNode implements INodeType {
	description: INodeTypeDescription = {
		usableAsTool: true,
		displayName: 'Input',
		name: 'input',
		group: ['input'],
		version: 1,
		description: 'Test input',
		defaults: { name: 'Input' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

class TestCredentialsHelper extends ICredentialsHelper {
	/** Token data n8n stored after fetching it, per credential type (what n8n persists in its database). */
	readonly stored = new Map<string, ICredentialDataDecryptedObject>();

	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(name: string): string[] {
		// Both of our credential types extend n8n's oAuth2Api (credentials/*.credentials.ts).
		return name in this.credentials && this.credentials[name].grantType ? ['oAuth2Api'] : [];
	}

	async authenticate(_credentials: ICredentialDataDecryptedObject, _typeName: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return requestOptions;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by the harness');
	}

	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _node: INodeCredentialsDetails, type: string): Promise<ICredentialDataDecryptedObject> {
		const data = this.credentials[type];
		if (!data) throw new Error(`the harness has no credentials of type ${type}`);
		return { ...data, ...(this.stored.get(type) ?? {}) };
	}

	async updateCredentials(_node: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.stored.set(type, { oauthTokenData: data.oauthTokenData });
	}

	async updateCredentialsOauthTokenData(_node: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.stored.set(type, { oauthTokenData: data.oauthTokenData });
	}

	getCredentialsProperties(): [] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}
}

class TestNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(type: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(type);
	}

	getByNameAndVersion(type: string): INodeType {
		const found = this.types[type];
		if (!found) throw new Error(`unknown node type ${type}`);
		return found;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

export interface RunNodeOptions {
	/** The node class instance and its full type name (`n8n-nodes-dual-write.dynamicsFo`). */
	nodeType: INodeType;
	type: string;
	parameters: INodeParameters;
	/** Credential type -> plaintext data, e.g. `{dualWriteFoOAuth2Api: {...}}`. */
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Items fed into the node; default one empty item, like a Manual Trigger. */
	input?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** Share one helper across runs to reuse the token n8n fetched (like n8n's credential store does). */
	credentialsHelper?: TestCredentialsHelper;
}

export interface RunNodeResult {
	/** The node's first output, as n8n recorded it. */
	items: INodeExecutionData[];
	/** The error n8n recorded for the node (a NodeApiError / NodeOperationError), if it failed. */
	error?: ITaskData['error'];
	run: IRun;
}

export const NODE_NAME = 'Node Under Test';

export function createCredentialsHelper(credentials: Record<string, ICredentialDataDecryptedObject>): TestCredentialsHelper {
	return new TestCredentialsHelper(credentials);
}

export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const credentialsHelper = options.credentialsHelper ?? new TestCredentialsHelper(options.credentials);
	const nodeTypes = new TestNodeTypes({ [INPUT_TYPE]: new InputNode(), [options.type]: options.nodeType });
	const credentialNames = (options.nodeType.description.credentials ?? []).map((c) => c.name);
	const node: INode = {
		id: 'node-under-test',
		name: NODE_NAME,
		type: options.type,
		typeVersion: Array.isArray(options.nodeType.description.version)
			? Math.max(...options.nodeType.description.version)
			: options.nodeType.description.version,
		position: [200, 0],
		parameters: options.parameters,
		credentials: Object.fromEntries(credentialNames.map((name) => [name, { id: `cred-${name}`, name }])),
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const input: INode = { id: 'input', name: 'Input', type: INPUT_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = new Workflow({
		id: 'run-node',
		name: 'run-node',
		nodes: [input, node],
		connections: { Input: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		active: false,
		nodeTypes,
		settings: {},
	});

	const hooks = new ExecutionLifecycleHooks('manual', 'run-node-1', {
		id: 'run-node',
		name: 'run-node',
		active: false,
		nodes: [input, node],
		connections: workflow.connectionsBySourceNode,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
		activeVersionId: null,
	} as never);
	const additionalData = {
		hooks,
		credentialsHelper,
		executeWorkflow: async () => {
			throw new Error('not supported by the harness');
		},
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		userId: 'test-user',
		variables: {},
		setExecutionStatus: () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('not supported by the harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const runExecutionData: IRunExecutionData = {
		version: 1,
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			nodeExecutionStack: [{ node: input, data: { main: [options.input ?? [{ json: {} }]] }, source: null }],
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	} as unknown as IRunExecutionData;

	const run = await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	const task = run.data.resultData.runData[NODE_NAME]?.[0];
	if (!task) {
		const fromInput = run.data.resultData.error;
		throw new Error(`the node did not run${fromInput ? `: ${fromInput.message}` : ''}`);
	}
	return { items: task.data?.main?.[0] ?? [], error: task.error, run };
}
