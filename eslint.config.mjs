// n8n's community-node rules in their self-hosted variant: a durable sync engine needs the file system,
// timers and node:sqlite, which the n8n Cloud variant forbids. We target self-hosted n8n.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'templates/**'] },
	...configWithoutCloudSupport,
	{
		// Emulators, tests, benches and scripts are tools for people at a terminal, not n8n nodes.
		files: ['emulators/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: { 'no-console': 'off', '@n8n/community-nodes/no-restricted-globals': 'off', '@n8n/community-nodes/no-restricted-imports': 'off' },
	},
];
