// n8n's community-node rules in their self-hosted variant: a durable sync engine needs the file system,
// timers and node:sqlite, which the n8n Cloud variant forbids. We target self-hosted n8n.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'templates/**'] },
	...configWithoutCloudSupport,
	{
		// Emulators, tests, benches and scripts are never shipped (package.json files: dist, built from nodes/,
		// credentials/ and lib/ only): they are tools that start processes, print to a terminal and hold emulator
		// test secrets, so the rules written for code running inside n8n do not apply to them.
		files: ['emulators/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
		},
	},
];
