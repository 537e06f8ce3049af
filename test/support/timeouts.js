// Per-project test timeouts (jest 29 has no per-project testTimeout option): DW_TEST_TIMEOUT_MS is set by
// jest.config.js for each project through `globals`.
/* global jest */
jest.setTimeout(globalThis.__DW_TEST_TIMEOUT_MS__ ?? 5000);
