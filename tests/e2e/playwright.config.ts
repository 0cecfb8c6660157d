import { defineConfig } from '@playwright/test';

// The real sandbox and backend are started by global-setup.ts on free ports; the widget is the
// release build in dist/ served by the backend, as a merchant would deploy it.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.E2E_BASE,
    viewport: { width: 520, height: 900 },
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download cannot work on these machines.
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
