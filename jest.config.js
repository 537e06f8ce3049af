// Three projects, run in this order by `npm test`: unit (pure lib), integration (lib, nodes and emulators
// over real HTTP on loopback), e2e (a real n8n process with the packed package installed).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }] };
const project = (name, extra = {}) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	...extra,
});
module.exports = {
	projects: [project('unit'), project('integration'), project('e2e')],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
