import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Caller } from './http';

/**
 * The emulated Entra ID directory: one tenant, a few app registrations, and the token format.
 * Tokens are HMAC-signed JWTs so every emulator can verify them without sharing memory with the token
 * endpoint (they may run in separate processes). EMULATOR TEST SECRETS ONLY: nothing here is real.
 */
export const TENANT_ID = '8a7e4c2d-1b3f-4e5a-9c6d-0e1f2a3b4c5d';
export const TENANT_DOMAIN = 'contoso-emulator.onmicrosoft.com';

export interface AppRegistration {
	clientId: string;
	/** Emulator test secret. */
	clientSecret: string;
	displayName: string;
	/** Object id of the app's service principal: what events report as the initiating identity. */
	objectId: string;
}

/** The integration identity our nodes use, and a second identity that plays "a person editing data". */
export const INTEGRATION_APP: AppRegistration = {
	clientId: '5f1c9a2e-7d3b-4c8e-a1f0-2b6d9e4c7a31',
	clientSecret: 'emulator-test-secret-dual-write',
	displayName: 'n8n dual-write integration',
	objectId: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
};
export const USER_APP: AppRegistration = {
	clientId: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
	clientSecret: 'emulator-test-secret-user',
	displayName: 'Emulated person (demo edits)',
	objectId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
};
export const APPS: AppRegistration[] = [INTEGRATION_APP, USER_APP];

/** EMULATOR TEST SECRET: signs emulator tokens. */
const SIGNING_KEY = process.env.DW_EMULATOR_SIGNING_KEY ?? 'emulator-test-signing-key';

export interface TokenClaims {
	aud: string;
	iss: string;
	iat: number;
	nbf: number;
	exp: number;
	appid: string;
	oid: string;
	tid: string;
	ver: '1.0' | '2.0';
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signToken(claims: TokenClaims): string {
	const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
	const body = b64url(JSON.stringify(claims));
	const sig = createHmac('sha256', SIGNING_KEY).update(`${head}.${body}`).digest('base64url');
	return `${head}.${body}.${sig}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'audience' };

/** Normalises an audience for comparison: resource URLs are compared without a trailing slash. */
export const normaliseAudience = (aud: string) => aud.replace(/\/+$/, '').toLowerCase();

export function verifyBearer(authorization: string | undefined, audience: string, nowSec = Date.now() / 1000): TokenCheck {
	const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
	if (!m) return { ok: false, reason: 'missing' };
	const parts = m[1].split('.');
	if (parts.length !== 3) return { ok: false, reason: 'invalid' };
	const expected = createHmac('sha256', SIGNING_KEY).update(`${parts[0]}.${parts[1]}`).digest();
	const given = Buffer.from(parts[2], 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
	let claims: TokenClaims;
	try {
		claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
	} catch {
		return { ok: false, reason: 'invalid' };
	}
	if (claims.exp <= nowSec) return { ok: false, reason: 'expired' };
	if (normaliseAudience(claims.aud) !== normaliseAudience(audience)) return { ok: false, reason: 'audience' };
	return { ok: true, claims };
}

export function callerOf(claims: TokenClaims): Caller {
	return { appId: claims.appid, objectId: claims.oid, tenantId: claims.tid };
}
