/**
 * `npm run emulators`: the token endpoint, F&O and Dataverse on their default ports with seeded data, for a
 * person to poke at with curl. Ports: DW_TOKEN_PORT, DW_FO_PORT, DW_DATAVERSE_PORT; customers per company:
 * DW_CUSTOMERS_PER_COMPANY.
 */
import { DEFAULT_PORTS, startEmulators } from './index';

const port = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

async function main(): Promise<void> {
	const customers = process.env.DW_CUSTOMERS_PER_COMPANY ? Number(process.env.DW_CUSTOMERS_PER_COMPANY) : undefined;
	const emulators = await startEmulators({
		ports: {
			token: port('DW_TOKEN_PORT', DEFAULT_PORTS.token),
			fo: port('DW_FO_PORT', DEFAULT_PORTS.fo),
			dataverse: port('DW_DATAVERSE_PORT', DEFAULT_PORTS.dataverse),
		},
		seed: { customersPerCompany: customers },
	});
	const app = emulators.integrationApp;
	console.log(`Dual-write emulators are running (emulator test secrets below are not real credentials).

  Token endpoint (Entra ID)  ${emulators.token.tokenUrl}
                             ${emulators.token.tokenUrlV1}   (v1, resource=)
  F&O OData                  ${emulators.fo.url}/data/
  Dataverse Web API          ${emulators.dataverse.url}/api/data/v9.2/

  Tenant ID      ${emulators.tenantId}
  Client ID      ${app.clientId}
  Client secret  ${app.clientSecret}

Try:
  TOKEN=$(curl -s ${emulators.token.tokenUrl} -d grant_type=client_credentials \\
    -d client_id=${app.clientId} -d client_secret=${app.clientSecret} \\
    -d scope=${emulators.fo.url}/.default | node -p 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -s -H "Authorization: Bearer $TOKEN" "${emulators.fo.url}/data/CustomersV3?\\$top=2&cross-company=true"

Fault knobs: POST <emulator>/_emulator/faults {"throttleNext":3,"retryAfterSec":2} (see emulators/*/README.md).
Press Ctrl+C to stop.`);
	const stop = () => {
		void emulators.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
