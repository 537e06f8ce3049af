/**
 * n8n's own nodes as the end-to-end workflows use them, so each test only spells out what it is about.
 * The Webhook node (v2) registers its path as given: `/webhook/<path>`.
 */
import { randomUUID } from 'node:crypto';

export function webhookNode(id: string, path: string, responseMode: 'lastNode' | 'responseNode' = 'responseNode') {
	return {
		id,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode, options: {} },
	};
}

export function respondNode(id: string, x: number) {
	return {
		id,
		name: 'Respond',
		type: 'n8n-nodes-base.respondToWebhook',
		typeVersion: 1.1,
		position: [x, 0],
		parameters: { respondWith: 'allIncomingItems', options: {} },
	};
}
