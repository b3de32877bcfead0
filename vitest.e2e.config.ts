import { defineConfig } from 'vitest/config';

// Browser tests: a real server process and Debian's Chromium. Run by `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['apps/web/e2e/**/*.e2e.ts'],
    globalSetup: ['test-support/e2e-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
