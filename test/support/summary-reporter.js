// Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI can read whatever the runner,
// and appends the counts to DW_TEST_SUMMARY_FILE so scripts/test.sh can total its phases.
const { appendFileSync } = require('node:fs');

class SummaryReporter {
	onRunComplete(_contexts, results) {
		const skipped = results.numPendingTests + results.numTodoTests;
		// Suites that failed to run at all (syntax errors, a beforeAll that threw) count as failures too.
		const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
		if (process.env.DW_TEST_SUMMARY_FILE) {
			appendFileSync(process.env.DW_TEST_SUMMARY_FILE, `${results.numPassedTests} ${failed} ${skipped}\n`);
		}
	}
}
module.exports = SummaryReporter;
