import { INTEGRATION_APP, USER_APP } from '../common/directory';
import { json, type EmuRequest, type EmuResponse } from '../common/http';

/**
 * F&O's "Microsoft Entra ID applications" table: a token alone is not enough, its client ID must map to
 * an F&O user, whose default company scopes requests without cross-company.
 */
export interface FoUser {
	clientId: string;
	userId: string;
	defaultCompany: string;
}

const DEFAULT_USERS: FoUser[] = [
	{ clientId: INTEGRATION_APP.clientId, userId: 'DualWriteSvc', defaultCompany: 'usmf' },
	{ clientId: USER_APP.clientId, userId: 'Admin', defaultCompany: 'usmf' },
];

export class UserRegistry {
	private readonly users = new Map<string, FoUser>();

	constructor() {
		this.reset();
	}

	reset(): void {
		this.users.clear();
		for (const u of DEFAULT_USERS) this.users.set(u.clientId.toLowerCase(), { ...u });
	}

	byClientId(clientId: string): FoUser | undefined {
		return this.users.get(clientId.toLowerCase());
	}

	/** `GET|POST /_emulator/apps`, `DELETE /_emulator/apps/{clientId}`, `POST /_emulator/apps/reset`. */
	admin(req: EmuRequest): EmuResponse | undefined {
		const path = req.rawPath.replace(/\/+$/, '');
		if (path === '/_emulator/apps') {
			if (req.method === 'GET') return json(200, { value: [...this.users.values()] });
			if (req.method === 'POST') {
				let body: Partial<FoUser>;
				try {
					body = JSON.parse(req.body.toString('utf8') || '{}') as Partial<FoUser>;
				} catch {
					return json(400, { error: { code: '', message: 'The body must be a JSON object.' } });
				}
				if (typeof body.clientId !== 'string' || typeof body.userId !== 'string') {
					return json(400, { error: { code: '', message: "'clientId' and 'userId' are required; 'defaultCompany' defaults to usmf." } });
				}
				const user: FoUser = { clientId: body.clientId, userId: body.userId, defaultCompany: (body.defaultCompany ?? 'usmf').toLowerCase() };
				this.users.set(user.clientId.toLowerCase(), user);
				return json(200, user);
			}
		}
		if (path === '/_emulator/apps/reset' && req.method === 'POST') {
			this.reset();
			return json(200, { value: [...this.users.values()] });
		}
		const m = /^\/_emulator\/apps\/([^/]+)$/.exec(path);
		if (m && req.method === 'DELETE') {
			return this.users.delete(decodeURIComponent(m[1]).toLowerCase()) ? { status: 204 } : json(404, { error: { code: '', message: `No app '${m[1]}' is registered.` } });
		}
		return undefined;
	}
}
