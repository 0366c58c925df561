import { defineConfig } from 'vitest/config';

// Two projects: unit tests need nothing; integration and contract tests talk to
// the real services that test/helpers/global-setup.ts starts (or reuses).
export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Two cores: one file at a time keeps server load predictable.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
