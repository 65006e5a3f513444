import { defineConfig } from 'vitest/config';

// Tests sit next to the code they test (x.ts / x.test.ts). Forks, not
// threads: the subprocess tests spawn and kill process groups and install
// signal handlers, which belong in a process of their own.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
