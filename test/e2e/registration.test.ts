import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startN8n, type N8nInstance } from '../support/n8n/instance';

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

describe('our package inside a real n8n', () => {
	let n8n: N8nInstance;

	beforeAll(async () => {
		n8n = await startN8n();
	});
	afterAll(() => n8n?.dispose());

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
