import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulators, type RunningEmulators } from '../../emulators';
import { USER_APP } from '../../emulators/common/directory';
import { startN8n, type N8nInstance } from '../support/n8n/instance';
import { emulatorCredential } from '../../scripts/emulatorCredentials';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};

/** The class exported by a compiled dist file is what n8n registers; read its `name` / `description.name`. */
async function declared(kind: 'nodes' | 'credentials'): Promise<string[]> {
	return Promise.all(
		pkg.n8n[kind].map(async (file) => {
			const mod = (await import(path.join(__dirname, '..', '..', file))) as Record<string, new () => { name?: string; description?: { name: string } }>;
			const instance = new (Object.values(mod)[0])();
			return (kind === 'nodes' ? instance.description?.name : instance.name) as string;
		}),
	);
}

// One n8n (and one set of emulators) for the whole file: starting n8n is the expensive part.
let n8n: N8nInstance;
let emulators: RunningEmulators;

beforeAll(async () => {
	emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 2 } });
	n8n = await startN8n();
});
afterAll(async () => {
	await n8n?.dispose();
	await emulators?.close();
});

describe('our package inside a real n8n', () => {
	it('registers every credential type the package declares', async () => {
		// A name that collides with one of n8n's own credentials would be shadowed: ours must be the one served.
		const types = (await n8n.rest('GET', '/types/credentials.json')) as Array<{ name: string; extends?: string[]; displayName: string }>;
		const expected = await declared('credentials');
		expect(expected.length).toBeGreaterThan(0);
		for (const name of expected) {
			const found = types.find((t) => t.name === name);
			expect(found).toBeDefined();
			expect(found?.extends).toEqual(['oAuth2Api']);
			expect(found?.displayName).toMatch(/\(Dual-Write\)/);
		}
	});

	it('registers every node the package declares as n8n-nodes-dual-write.<name>', async () => {
		const types = (await n8n.rest('GET', '/types/nodes.json')) as Array<{ name: string }>;
		const names = new Set(types.map((t) => t.name));
		const expected = await declared('nodes');
		expect(expected.length).toBeGreaterThan(0);
		for (const name of expected) expect(names).toContain(`${pkg.name}.${name}`);
		// No node of ours leaks in under the CUSTOM. prefix (that would mean a dev-folder load, not a package install).
		expect([...names].filter((n) => n.startsWith('CUSTOM.'))).toEqual([]);
	});
});

describe('credential tests really call the environment (as the "Test" button in n8n does)', () => {
	type Data = Record<string, string>;
	const base = (): Data => emulatorCredential(emulators, 'fo').data;
	/** Saves a new credential (a fresh one has no cached token) and runs n8n's credential test on it. */
	async function test(type: string, data: Data): Promise<{ status: string; message: string }> {
		const created = (await n8n.rest('POST', '/rest/credentials', { name: `${type} ${Math.random()}`, type, data })) as { data: { id: string; name: string } };
		const result = (await n8n.rest('POST', '/rest/credentials/test', {
			credentials: { id: created.data.id, name: created.data.name, type, data },
		})) as { data: { status: string; message: string } };
		return result.data;
	}

	it.each([
		['dualWriteFoOAuth2Api', () => emulators.fo.url],
		['dualWriteDataverseOAuth2Api', () => emulators.dataverse.url],
	])('%s: correct settings pass', async (type, url) => {
		expect(await test(type, { ...base(), environmentUrl: url() })).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it('a wrong client secret fails at the token endpoint', async () => {
		const result = await test('dualWriteFoOAuth2Api', { ...base(), clientSecret: 'not-the-secret', environmentUrl: emulators.fo.url });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/OAuth2 access token/i);
	});

	it('an unknown tenant fails at the token endpoint', async () => {
		const result = await test('dualWriteDataverseOAuth2Api', {
			...base(),
			customTokenUrl: emulators.token.tokenUrl.replace(emulators.tenantId, 'no-such-tenant'),
			environmentUrl: emulators.dataverse.url,
		});
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/OAuth2 access token/i);
	});

	it('an environment URL with nothing behind it names the connection failure', async () => {
		const result = await test('dualWriteFoOAuth2Api', { ...base(), environmentUrl: 'http://127.0.0.1:9' });
		expect(result).toEqual({ status: 'Error', message: 'ECONNREFUSED' });
	});

	it('an environment URL of the wrong service says what the URL must be', async () => {
		// The Dataverse emulator has no /data/: what an F&O credential pointed at a Dataverse URL meets.
		const result = await test('dualWriteFoOAuth2Api', { ...base(), environmentUrl: emulators.dataverse.url, resource: emulators.dataverse.url });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/No F&O OData service at <Environment URL>\/data\//);
	});

	it('an app not registered in F&O gets the registration hint', async () => {
		const res = await fetch(`${emulators.fo.url}/_emulator/apps/${USER_APP.clientId}`, { method: 'DELETE' });
		expect(res.ok).toBe(true);
		try {
			const result = await test('dualWriteFoOAuth2Api', {
				...base(),
				clientId: USER_APP.clientId,
				clientSecret: USER_APP.clientSecret,
				environmentUrl: emulators.fo.url,
			});
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/register the app/);
		} finally {
			await fetch(`${emulators.fo.url}/_emulator/apps/reset`, { method: 'POST' });
		}
	});
});
