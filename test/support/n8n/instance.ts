import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * A real n8n 2.x process, headless, with our package installed the way n8n installs community packages
 * (packed tarball into `<user folder>/.n8n/nodes`, so node types are `n8n-nodes-dual-write.<name>`).
 * Everything it starts is its own (by pid) and goes away with stop().
 */
export interface N8nOptions {
	/** Workflows (n8n export shape, each with a fixed id) to import before start. */
	workflows?: WorkflowJson[];
	/** Credentials `{id, name, type, data}` with plaintext data; n8n encrypts them on import. */
	credentials?: CredentialJson[];
	/** Ids of imported workflows to publish (activate) before start. */
	publish?: string[];
	/** Extra environment for the n8n process. */
	env?: Record<string, string>;
	/** Keep the user folder after stop (for debugging). */
	keep?: boolean;
	/** A fixed port; default: a free one. */
	port?: number;
	/** Use this folder as the n8n user folder (default: a fresh temporary one). */
	userFolder?: string;
}

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: unknown[];
	connections: Record<string, unknown>;
	active?: boolean;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export const OWNER = { email: 'owner@dual-write.test', firstName: 'Data', lastName: 'Admin', password: 'Emulator-test-Passw0rd' };
/** EMULATOR TEST SECRET: the fixed encryption key of test and demo n8n instances. */
const ENCRYPTION_KEY = 'dual-write-test-encryption-key-not-a-secret';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}

/** The cached n8n install (scripts/ensure-n8n.sh installs it once; ~5 min the first time). */
export async function ensureN8n(): Promise<string> {
	if (process.env.DW_N8N_DIR && existsSync(path.join(process.env.DW_N8N_DIR, '.complete'))) return process.env.DW_N8N_DIR;
	const { stdout } = await run('bash', [path.join(REPO, 'scripts', 'ensure-n8n.sh')], { maxBuffer: 64 * 1024 * 1024 });
	return stdout.trim().split('\n').pop() as string;
}

let packed: Promise<string> | undefined;
/** `npm pack` of the built package, once per process. The caller must have built dist/ first. */
export function packPackage(): Promise<string> {
	packed ??= (async () => {
		if (!existsSync(path.join(REPO, 'dist'))) throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests');
		const dest = mkdtempSync(path.join(tmpdir(), 'dw-pack-'));
		const { stdout } = await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dest], { cwd: REPO });
		return path.join(dest, stdout.trim().split('\n').pop() as string);
	})();
	return packed;
}

/** Process groups of every n8n this process started: killed on exit, so a failed or interrupted test leaves no n8n behind. */
const liveGroups = new Set<number>();
process.once('exit', () => {
	for (const pgid of liveGroups) {
		try {
			process.kill(-pgid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
});

export class N8nInstance {
	readonly userFolder: string;
	port = 0;
	private child?: ChildProcess;
	private cookie = '';
	apiKey = '';
	private readonly logFile: string;

	constructor(
		private readonly n8nDir: string,
		private readonly options: N8nOptions = {},
	) {
		this.userFolder = options.userFolder ?? mkdtempSync(path.join(tmpdir(), 'dw-n8n-'));
		mkdirSync(this.userFolder, { recursive: true });
		this.logFile = path.join(this.userFolder, 'n8n.log');
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Pid of the running n8n main process (e.g. for its peak memory in /proc). */
	get pid(): number | undefined {
		return this.child?.pid;
	}

	get log(): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
	}

	private env(): NodeJS.ProcessEnv {
		return {
			...process.env,
			// jest sets NODE_ENV=test, which n8n reads as "run as a unit test"; this is a real instance.
			NODE_ENV: 'production',
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_PORT: String(this.port),
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			WEBHOOK_URL: `http://127.0.0.1:${this.port}/`,
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_DYNAMIC_BANNERS_ENABLED: 'false',
			N8N_DISABLED_MODULES: 'insights,mcp-registry',
			N8N_LOG_LEVEL: process.env.DW_N8N_LOG_LEVEL ?? 'warn',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			// n8n must not phone home from a machine that only reaches the npm registry.
			N8N_HIRING_BANNER_ENABLED: 'false',
			EXTERNAL_FRONTEND_HOOKS_URLS: '',
			...(this.options.env ?? {}),
		};
	}

	private brokerPort = 0;

	private async cli(args: string[], env: Record<string, string> = {}): Promise<string> {
		const bin = path.join(this.n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
		try {
			const { stdout } = await run(process.execPath, [bin, ...args], { env: { ...this.env(), ...env }, maxBuffer: 64 * 1024 * 1024 });
			return stdout;
		} catch (error) {
			const e = error as { stdout?: string; stderr?: string; message: string };
			throw new Error(`n8n ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
		}
	}

	/** Installs the packed tarball like n8n's community-package install does. */
	async installPackage(tarball: string): Promise<void> {
		const nodesDir = path.join(this.userFolder, '.n8n', 'nodes');
		mkdirSync(nodesDir, { recursive: true });
		if (!existsSync(path.join(nodesDir, 'package.json'))) {
			writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }));
		}
		await run('npm', ['install', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', '--package-lock=false', tarball], { cwd: nodesDir });
	}

	async start(): Promise<void> {
		this.port ||= this.options.port ?? (await freePort());
		this.brokerPort ||= await freePort();
		const staging = path.join(this.userFolder, 'import');
		mkdirSync(staging, { recursive: true });
		if (this.options.credentials?.length) {
			const file = path.join(staging, 'credentials.json');
			writeFileSync(file, JSON.stringify(this.options.credentials));
			await this.cli(['import:credentials', `--input=${file}`]);
		}
		if (this.options.workflows?.length) {
			const file = path.join(staging, 'workflows.json');
			writeFileSync(file, JSON.stringify(this.options.workflows.map((w) => ({ ...w, active: false }))));
			await this.cli(['import:workflow', `--input=${file}`]);
		}
		for (const id of this.options.publish ?? []) await this.cli(['publish:workflow', `--id=${id}`]);
		await this.launch();
		await this.setupOwnerAndApiKey();
	}

	private async launch(): Promise<void> {
		const bin = path.join(this.n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
		const out = createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(process.execPath, [bin, 'start'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		child.stdout?.pipe(out);
		child.stderr?.pipe(out);
		this.child = child;
		if (child.pid) {
			const pgid = child.pid;
			liveGroups.add(pgid);
			child.once('exit', () => liveGroups.delete(pgid));
		}
		const deadline = Date.now() + 120_000;
		while (Date.now() < deadline) {
			if (child.exitCode !== null) {
				await new Promise((r) => setTimeout(r, 200)); // let the log streams flush
				throw new Error(`n8n exited with code ${child.exitCode} before it was ready:\n${this.log.slice(-4000)}`);
			}
			try {
				const res = await fetch(`${this.url}/healthz/readiness`);
				if (res.status === 200) return;
			} catch {
				// not listening yet
			}
			await new Promise((r) => setTimeout(r, 250));
		}
		throw new Error(`n8n was not ready within 120 s:\n${this.log.slice(-4000)}`);
	}

	/** Owner, login cookie and an API key for the public API (`X-N8N-API-KEY`). Idempotent across restarts. */
	private async setupOwnerAndApiKey(): Promise<void> {
		const setup = await fetch(`${this.url}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		if (setup.status !== 200 && setup.status !== 400) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
		const login = await fetch(`${this.url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
		});
		if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
		this.cookie = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
		if (this.apiKey) return;
		const scopes = ((await this.rest('GET', '/rest/api-keys/scopes')) as { data: string[] }).data;
		const key = (await this.rest('POST', '/rest/api-keys', { label: `e2e-${Date.now()}`, scopes, expiresAt: null })) as {
			data: { rawApiKey: string };
		};
		this.apiKey = key.data.rawApiKey;
	}

	/** n8n's internal REST API as the logged-in owner. */
	async rest(method: string, route: string, body?: unknown): Promise<unknown> {
		const res = await fetch(`${this.url}${route}`, {
			method,
			headers: { cookie: this.cookie, 'content-type': 'application/json', 'browser-id': 'dw-e2e' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} ${route} -> ${res.status}: ${text.slice(0, 2000)}`);
		return text ? JSON.parse(text) : undefined;
	}

	/** n8n's public API (`/api/v1`) with the API key. */
	async api(method: string, route: string, body?: unknown): Promise<unknown> {
		const res = await fetch(`${this.url}/api/v1${route}`, {
			method,
			headers: { 'x-n8n-api-key': this.apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} /api/v1${route} -> ${res.status}: ${text.slice(0, 2000)}`);
		return text ? JSON.parse(text) : undefined;
	}

	/**
	 * Activates (publishes) workflows of the running server through the public API: one request each, instead of
	 * one `n8n publish:workflow` process (~10 s of n8n start-up) each.
	 */
	async activate(ids: readonly string[]): Promise<void> {
		for (const id of ids) await this.api('POST', `/workflows/${id}/activate`);
	}

	/**
	 * Waits until a production webhook path is registered (activation can lag readiness). The probe is a DELETE,
	 * a method our webhooks never use: n8n answers "not registered for DELETE requests" for a registered path
	 * and "The requested webhook ... is not registered" for an unknown one, without running anything.
	 * Paths: `<webhookId>/<path>` for trigger nodes, `<path>` for n8n's own Webhook node.
	 */
	async waitForWebhook(webhookPath: string, timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const res = await fetch(`${this.url}/webhook/${webhookPath}`, { method: 'DELETE' }).catch(() => undefined);
			if (res) {
				const text = await res.text();
				if (res.status !== 404 || text.includes('not registered for')) return;
			}
			await new Promise((r) => setTimeout(r, 250));
		}
		throw new Error(`webhook ${webhookPath} was not registered within ${timeoutMs} ms`);
	}

	/**
	 * Runs a stored workflow that starts with a Manual Trigger through `n8n execute --id` (mode `cli`, in its own
	 * process, same user folder and database). Call it while the server is stopped: both processes would otherwise
	 * start a task runner broker on the same port and write the same SQLite file. Returns the run data n8n prints.
	 */
	async execute(workflowId: string): Promise<unknown> {
		if (this.child) throw new Error('stop() the n8n server before execute(): the CLI runs its own n8n process on the same database');
		// The command prints the run through its logger at level info, amid other info lines.
		const stdout = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], { N8N_LOG_LEVEL: 'info', N8N_LOG_FORMAT: 'text' });
		const json = /^\{[\s\S]*?^\}$/m.exec(stdout)?.[0];
		try {
			return JSON.parse(json ?? '');
		} catch {
			throw new Error(`n8n execute --id=${workflowId} printed no run data:\n${stdout.slice(-4000)}`);
		}
	}

	/** Executions of a workflow, newest first, with their data. */
	async executions(workflowId: string): Promise<Array<{ id: string; status: string; data?: unknown }>> {
		const res = (await this.api('GET', `/executions?workflowId=${workflowId}&includeData=true&limit=100`)) as {
			data: Array<{ id: string; status: string; data?: unknown }>;
		};
		return res.data;
	}

	/**
	 * Executions of a workflow once `done` accepts them. n8n answers a webhook (Respond to Webhook, or
	 * onReceived) before it has stored the execution, so a read right after the response can miss the newest one.
	 */
	async waitForExecutions(
		workflowId: string,
		done: (executions: Array<{ id: string; status: string; data?: unknown }>) => boolean,
		timeoutMs = 30_000,
	): Promise<Array<{ id: string; status: string; data?: unknown }>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const executions = await this.executions(workflowId);
			if (done(executions) || Date.now() > deadline) return executions;
			await new Promise((r) => setTimeout(r, 250));
		}
	}

	async stop(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		// A child killed by a signal (kill(), a crash) has exitCode null and signalCode set: it is gone already, and
		// its 'exit' event has fired, so waiting for it would never end.
		if (child && child.exitCode === null && child.signalCode === null && child.pid) {
			const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {
				// already gone
			}
			const timer = setTimeout(() => {
				try {
					process.kill(-(child.pid as number), 'SIGKILL');
				} catch {
					// already gone
				}
			}, 15_000);
			await exited;
			clearTimeout(timer);
		}
	}

	/** Kills n8n without a chance to clean up, like a crash. */
	kill(): void {
		if (this.child?.pid) process.kill(-this.child.pid, 'SIGKILL');
	}

	async restart(): Promise<void> {
		await this.stop();
		await this.launch();
		await this.setupOwnerAndApiKey();
	}

	async dispose(): Promise<void> {
		await this.stop();
		if (!this.options.keep) rmSync(this.userFolder, { recursive: true, force: true });
	}
}

/** Ensures n8n, packs the package, installs it into a fresh user folder, imports, publishes and starts. */
export async function startN8n(options: N8nOptions = {}): Promise<N8nInstance> {
	const [dir, tarball] = await Promise.all([ensureN8n(), packPackage()]);
	const n8n = new N8nInstance(dir, options);
	await n8n.installPackage(tarball);
	try {
		await n8n.start();
	} catch (error) {
		await n8n.stop();
		throw error;
	}
	return n8n;
}
