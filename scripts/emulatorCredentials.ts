/**
 * The credentials the templates reference and that the demo and the end-to-end tests create: one per system,
 * filled in as a person would for the emulators (Cloud: custom token URL). Defined once so template ids,
 * demo and tests cannot drift apart.
 */
import type { SystemName } from '../lib/odata';
import type { RunningEmulators } from '../emulators';

export interface CredentialRef {
	id: string;
	name: string;
}

export const DEMO_CREDENTIALS: Record<SystemName, { type: string; ref: CredentialRef }> = {
	fo: { type: 'dualWriteFoOAuth2Api', ref: { id: 'dwDemoFoCredential', name: 'F&O (emulator)' } },
	dataverse: { type: 'dualWriteDataverseOAuth2Api', ref: { id: 'dwDemoDataverseCred', name: 'Dataverse (emulator)' } },
};

export interface EmulatorCredential extends CredentialRef {
	type: string;
	data: Record<string, string>;
}

/** A credential for one emulated environment, authenticating as the integration app. */
export function emulatorCredential(emulators: RunningEmulators, system: SystemName, ref: CredentialRef = DEMO_CREDENTIALS[system].ref): EmulatorCredential {
	return {
		...ref,
		type: DEMO_CREDENTIALS[system].type,
		data: {
			grantType: 'clientCredentials',
			environmentUrl: system === 'fo' ? emulators.fo.url : emulators.dataverse.url,
			tenantId: emulators.tenantId,
			cloud: 'custom',
			customTokenUrl: emulators.token.tokenUrl,
			clientId: emulators.integrationApp.clientId,
			clientSecret: emulators.integrationApp.clientSecret,
		},
	};
}

/** Both demo credentials, under the ids the generated templates reference. */
export function emulatorCredentials(emulators: RunningEmulators): EmulatorCredential[] {
	return [emulatorCredential(emulators, 'fo'), emulatorCredential(emulators, 'dataverse')];
}
