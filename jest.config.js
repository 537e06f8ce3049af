// Three projects, run in this order by `npm test`: unit (pure lib), integration (lib, nodes and emulators
// over real HTTP on loopback), e2e (a real n8n process with the packed package installed).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }] };
const project = (name, timeoutMs) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	globals: { __DW_TEST_TIMEOUT_MS__: timeoutMs },
	setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.js'],
});
module.exports = {
	// n8n starts in 30-90 s on two busy cores; a whole e2e file may start it more than once.
	projects: [project('unit', 10_000), project('integration', 60_000), project('e2e', 600_000)],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
