/** What every bench prints about where it ran, and the check that the packed package is built. */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function machine(): string {
	const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
	return `${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 1024 ** 3)} GB, load average ${load}`;
}

/** n8n installs the packed dist/: every node and credential the package declares must be built. */
export function checkDist(): void {
	const root = path.resolve(__dirname, '..', '..');
	const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
	const missing = [...pkg.n8n.nodes, ...pkg.n8n.credentials].filter((file) => !existsSync(path.join(root, file)));
	if (missing.length > 0) throw new Error(`dist/ lacks ${missing.join(', ')}: run \`npm run build\` first`);
}
