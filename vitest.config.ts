import { defineConfig } from 'vitest/config';

// Tests sit next to the code they test (x.ts / x.test.ts). Forks, not
// threads: the subprocess tests spawn and kill process groups and install
// signal handlers, which belong in a process of their own.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'tmp/**', '.dualsock/**'],
    // A guard against a test that hangs, never a speed limit: on a small shared CI runner kept
    // busy by other work a test may take many times longer than here, and must still pass.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      // The pure reference model is held to thresholds (`npx vitest run --coverage reference`);
      // its tests and their support code under reference/testing/ are not measured.
      include: ['reference/**/*.ts'],
      exclude: ['reference/**/*.test.ts', 'reference/testing/**'],
      thresholds: { 'reference/**/*.ts': { lines: 95, branches: 90 } },
    },
  },
});
