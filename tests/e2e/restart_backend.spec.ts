import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { OTP_TTL_SECS, SECRET } from './global-setup';
import { PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

const root = path.resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A backend of this spec's own, on `port` and `db`, against the suite's sandbox. */
function backend(port: number, db: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    CHECKOUT_SECRET_KEY: SECRET,
    CHECKOUT_ADMIN_TOKEN: 'e2e-admin-token-0123456789',
    CHECKOUT_PROJECT_ID: '1234',
    CHECKOUT_GATE_URL: process.env.E2E_SANDBOX!,
    CHECKOUT_PAYMENT_PAGE_URL: process.env.E2E_SANDBOX!,
    CHECKOUT_PUBLIC_URL: `http://127.0.0.1:${port}`,
    CHECKOUT_DATABASE_URL: `sqlite://${db}?mode=rwc`,
    CHECKOUT_STATIC_DIR: path.join(root, 'dist'),
    CHECKOUT_OTP_TTL_SECS: String(OTP_TTL_SECS),
    CHECKOUT_RECONCILE_AFTER_SECS: '2',
    CHECKOUT_STATUS_MIN_AGE_MS: '0',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'target/debug/checkout-server'), ['serve', '--listen', `127.0.0.1:${port}`, '--demo-shop'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && resolve(child));
    child.on('exit', (code) => reject(new Error(`checkout-server exited with ${code}`)));
  });
}

test('the backend restarted in the middle of a payment loses nothing', async ({ page }) => {
  const port = await freePort();
  const db = path.join(root, 'target/e2e', `restart-${port}.db`);
  fs.rmSync(db, { force: true });
  let server = await backend(port, db);
  try {
    const phone = randomPhone('771');
    await page.goto(`http://127.0.0.1:${port}/?locale=en`);
    const form = new PhoneScreen(page, 'en');
    await expect(form.phone).toBeVisible();
    const otp = await form.submit(phone);
    const code = await smsCode(phone);

    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    server = await backend(port, db);

    // The widget reconnects by itself; the code typed now reaches the restarted backend.
    await otp.type(code);
    await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 20_000 });
  } finally {
    server.kill();
  }
});
