/**
 * Hosts one webhook trigger node the way n8n's webhook server does, so that the emulators' real HTTP deliveries
 * reach the node's `webhook()`: a loopback HTTP server parses the JSON body (keeping `rawBody`), builds n8n-core's own
 * WebhookContext for the request and answers as n8n answers an `onReceived` webhook (the node's own answer when it
 * sent one, `webhookResponse` with 200 otherwise, `{"message":"Workflow was started"}` when it started an execution,
 * 500 with the message when it threw). The lifecycle methods run in n8n-core's HookContext, with the production
 * webhook URL of this server. Node static data is saved and reloaded as JSON after every call, as n8n stores it in
 * its database, so nothing the node keeps in memory survives by accident.
 *
 * What the harness leaves out: n8n's routing by path and method (every request reaches the one node), the test
 * webhook URL and the execution itself (items of a started execution are recorded, not run).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HookContext, WebhookContext } from 'n8n-core';
import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IVersionedNodeType,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowActivateMode,
} from 'n8n-workflow';
import { createCredentialsHelper } from './run-node';

export const WEBHOOK_NODE_NAME = 'Trigger Under Test';
const WEBHOOK_ID = '5b0a4c1e-7d0e-4c55-9a57-2a4f0c6f1d11';

type CredentialsHelper = ReturnType<typeof createCredentialsHelper>;
type HookMethod = 'checkExists' | 'create' | 'delete';

export interface WebhookNodeOptions {
	nodeType: INodeType;
	/** Full type name (`n8n-nodes-dual-write.dynamicsFoDualWriteTrigger`). */
	type: string;
	parameters: INodeParameters;
	credentialsHelper: CredentialsHelper;
}

export interface Delivery {
	status: number;
	body: string;
}

export interface WebhookNode {
	/** The node's production webhook URL (`<server>/webhook/<webhookId>/webhook`). */
	url: string;
	/** The node's static data as n8n last saved it. */
	staticData(): IDataObject;
	/** Replaces the saved static data (a restored database, a crash before saving). */
	setStaticData(data: IDataObject): void;
	/** Changes parameters, as saving an edited workflow does. */
	setParameters(parameters: INodeParameters): void;
	/** Runs a lifecycle method the way ActiveWorkflowManager does, then saves the static data. */
	hook(method: HookMethod, activation?: WorkflowActivateMode): Promise<boolean>;
	/** checkExists, then create when it answered false (n8n's createWebhookIfNotExists). */
	activate(activation?: WorkflowActivateMode): Promise<{ created: boolean }>;
	/** Items of each execution the node started, in order. */
	executions: INodeExecutionData[][];
	/** The status of every request the server answered, in order. */
	statuses: number[];
	/** Every request that reached the node, as sent (to replay one, as a platform's retry would). */
	requests: Array<{ headers: Record<string, string>; body: string }>;
	/** Sends a request as a caller would (default: POST JSON to the node's URL). */
	post(body: unknown, headers?: Record<string, string>): Promise<Delivery>;
	close(): Promise<void>;
}

class SingleNodeTypes implements INodeTypes {
	constructor(
		private readonly type: string,
		private readonly nodeType: INodeType,
	) {}

	getByName(type: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(type);
	}

	getByNameAndVersion(type: string): INodeType {
		if (type !== this.type) throw new Error(`unknown node type ${type}`);
		return this.nodeType;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/** The parts of express's Request and Response that webhook nodes use, on plain node:http objects. */
type ExpressLikeRequest = IncomingMessage & { body: unknown; rawBody: Buffer; query: Record<string, string>; params: Record<string, string> };
type ExpressLikeResponse = ServerResponse & {
	status(code: number): ExpressLikeResponse;
	json(body: unknown): ExpressLikeResponse;
	send(body: unknown): ExpressLikeResponse;
};

function expressLike(req: IncomingMessage, res: ServerResponse, raw: Buffer): { request: ExpressLikeRequest; response: ExpressLikeResponse } {
	const url = new URL(req.url ?? '/', 'http://127.0.0.1');
	let body: unknown = {};
	const type = String(req.headers['content-type'] ?? '');
	if (raw.length > 0) {
		// n8n parses JSON bodies and answers 400 to broken JSON before any node runs; other bodies stay text.
		body = type.includes('json') ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8');
	}
	const request = Object.assign(req, { body, rawBody: raw, query: Object.fromEntries(url.searchParams), params: {} });
	const response = Object.assign(res, {
		status(code: number) {
			res.statusCode = code;
			return response;
		},
		json(value: unknown) {
			if (!res.headersSent) res.setHeader('content-type', 'application/json; charset=utf-8');
			res.end(JSON.stringify(value));
			return response;
		},
		send(value: unknown) {
			res.end(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
			return response;
		},
	});
	return { request, response };
}

export async function startWebhookNode(options: WebhookNodeOptions): Promise<WebhookNode> {
	let parameters = options.parameters;
	let saved: IDataObject = {};
	const executions: INodeExecutionData[][] = [];
	const statuses: number[] = [];
	const requests: Array<{ headers: Record<string, string>; body: string }> = [];
	const nodeTypes = new SingleNodeTypes(options.type, options.nodeType);
	const credentialNames = (options.nodeType.description.credentials ?? []).map((c) => c.name);
	const description = options.nodeType.description.webhooks?.find((w) => w.name === 'default');
	if (!description) throw new Error('the node has no default webhook');

	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const nodeOf = (): INode => ({
		id: 'trigger-under-test',
		name: WEBHOOK_NODE_NAME,
		type: options.type,
		typeVersion: Array.isArray(options.nodeType.description.version) ? Math.max(...options.nodeType.description.version) : options.nodeType.description.version,
		position: [0, 0],
		parameters,
		webhookId: WEBHOOK_ID,
		credentials: Object.fromEntries(credentialNames.map((name) => [name, { id: `cred-${name}`, name }])),
	});
	/** A fresh Workflow per call, with static data as stored: what n8n loads for each request or activation. */
	const workflowOf = (node: INode) =>
		new Workflow({
			id: 'webhook-workflow',
			name: 'webhook-workflow',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: JSON.parse(JSON.stringify(saved)) as IDataObject,
			settings: {},
		});
	const save = (workflow: Workflow) => {
		saved = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
	};
	const additionalData = (extra: Partial<IWorkflowExecuteAdditionalData> = {}) =>
		({
			credentialsHelper: options.credentialsHelper,
			restApiUrl: `${base}/rest`,
			instanceBaseUrl: `${base}/`,
			webhookBaseUrl: `${base}/webhook`,
			webhookWaitingBaseUrl: `${base}/webhook-waiting`,
			webhookTestBaseUrl: `${base}/webhook-test`,
			formWaitingBaseUrl: `${base}/form-waiting`,
			variables: {},
			userId: 'test-user',
			...extra,
		}) as unknown as IWorkflowExecuteAdditionalData;
	const webhookData = (node: INode, workflow: Workflow): IWebhookData => ({
		httpMethod: description.httpMethod as IWebhookData['httpMethod'],
		node: node.name,
		path: String(description.path),
		webhookDescription: description,
		workflowId: String(workflow.id),
		workflowExecuteAdditionalData: additionalData(),
		webhookId: WEBHOOK_ID,
	});

	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			void (async () => {
				const record = () => statuses.push(res.statusCode);
				let express: ReturnType<typeof expressLike>;
				const raw = Buffer.concat(chunks);
				const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
				requests.push({ headers, body: raw.toString('utf8') });
				try {
					express = expressLike(req, res, raw);
				} catch {
					res.statusCode = 400;
					res.end(JSON.stringify({ message: 'Failed to parse request body' }));
					record();
					return;
				}
				const node = nodeOf();
				const workflow = workflowOf(node);
				const context = new WebhookContext(
					workflow,
					node,
					additionalData({ httpRequest: express.request, httpResponse: express.response } as Partial<IWorkflowExecuteAdditionalData>),
					'webhook',
					webhookData(node, workflow),
					[],
					null,
				);
				try {
					const result = await (options.nodeType.webhook as NonNullable<INodeType['webhook']>).call(context);
					save(workflow);
					if (result.noWebhookResponse) {
						if (!res.writableEnded) throw new Error('the node claimed to have answered but did not');
					} else if (result.workflowData) {
						executions.push(result.workflowData[0] ?? []);
						express.response.status(200).json({ message: 'Workflow was started' });
					} else {
						express.response.status(200).send(result.webhookResponse ?? '');
					}
				} catch (error) {
					if (!res.writableEnded) express.response.status(500).json({ code: 0, message: error instanceof Error ? error.message : String(error) });
				}
				record();
			})();
		});
	});

	const hook = async (method: HookMethod, activation: WorkflowActivateMode = 'activate'): Promise<boolean> => {
		const node = nodeOf();
		const workflow = workflowOf(node);
		const methods = options.nodeType.webhookMethods?.default;
		if (!methods) throw new Error('the node has no webhook methods');
		const context = new HookContext(workflow, node, additionalData(), 'trigger', activation, webhookData(node, workflow));
		const answer = await methods[method].call(context);
		save(workflow);
		return answer;
	};

	const url = `${base}/webhook/${WEBHOOK_ID}/${String(description.path)}`;
	return {
		url,
		staticData: () => (saved[`node:${WEBHOOK_NODE_NAME}`] ?? {}) as IDataObject,
		setStaticData: (data) => {
			saved = { [`node:${WEBHOOK_NODE_NAME}`]: JSON.parse(JSON.stringify(data)) as IDataObject };
		},
		setParameters: (next) => {
			parameters = next;
		},
		hook,
		activate: async (activation = 'activate') => {
			if (await hook('checkExists', activation)) return { created: false };
			await hook('create', activation);
			return { created: true };
		},
		executions,
		statuses,
		requests,
		post: async (body, headers = {}) => {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...headers },
				body: typeof body === 'string' ? body : JSON.stringify(body),
			});
			return { status: response.status, body: await response.text() };
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
