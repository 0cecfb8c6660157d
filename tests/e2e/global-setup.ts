import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
export const SECRET = 'e2e-secret';
// Short, so expiry tests are quick, but long enough for the slowest path to the code screen: with
// no callback at all the screen waits for a status request (2 s of silence), and on a loaded
// 2-CPU machine 4 s left the customer's code arriving after it expired.
export const OTP_TTL_SECS = 8;
/**
 * The platform's rule that a status request waits this long after the request it asks about. Not
 * zero, as on the real platform (10 s): on the Payment Page the customer's browser makes those
 * requests, so a backend that asks too soon is refused, and that refusal must never read as "no
 * such payment" (issue 23). Both sides agree, as a merchant's configuration would.
 */
export const STATUS_MIN_AGE_MS = 2000;
/** How long a test waits for a code to expire: its validity plus time for the page to show it. */
export const UNTIL_EXPIRED_MS = (OTP_TTL_SECS + 6) * 1000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a binary and resolves once it printed `listening on http://…`. */
function start(binary: string, args: string[], env: Record<string, string>, log: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'target/debug', binary), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', fs.openSync(log, 'w')] });
    const timer = setTimeout(() => reject(new Error(`${binary} did not start; see ${log}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on http://')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`${binary} exited with ${code}; see ${log}`)));
  });
}

export default async function globalSetup() {
  const out = path.join(root, 'target/e2e');
  fs.mkdirSync(out, { recursive: true });
  for (const file of fs.readdirSync(out)) if (file.startsWith('checkout.db')) fs.rmSync(path.join(out, file));
  // The WebDriver servers' logs of the last run only (fixtures/webdriver.cjs).
  fs.rmSync(path.join(out, 'drivers'), { recursive: true, force: true });
  const [sandboxPort, serverPort] = [await freePort(), await freePort()];
  const sandbox = `http://127.0.0.1:${sandboxPort}`;
  const server = `http://127.0.0.1:${serverPort}`;
  const children = [
    await start('checkout-sandbox', ['--listen', `127.0.0.1:${sandboxPort}`], {
      SANDBOX_SECRET_KEY: SECRET,
      SANDBOX_PROJECT_ID: '1234',
      SANDBOX_CALLBACK_URL: `${server}/callbacks/gate`,
      SANDBOX_CASHIN_URL: `${server}/webservice/cash-in`,
      SANDBOX_OTP_TTL_SECS: String(OTP_TTL_SECS),
      SANDBOX_PROCESSING_DELAY_MS: '150',
      SANDBOX_CALLBACK_RETRY_SCALE: '0.01',
      SANDBOX_STATUS_MIN_AGE_MS: String(STATUS_MIN_AGE_MS),
      SANDBOX_DELAYED_CALLBACK_MS: '3000',
    }, path.join(out, 'sandbox.log')),
    await start('checkout-server', ['serve', '--listen', `127.0.0.1:${serverPort}`, '--demo-shop'], {
      CHECKOUT_SECRET_KEY: SECRET,
      CHECKOUT_ADMIN_TOKEN: 'e2e-admin-token-0123456789',
      CHECKOUT_PROJECT_ID: '1234',
      CHECKOUT_BRAND: 'sandbox',
      CHECKOUT_GATE_URL: sandbox,
      CHECKOUT_PAYMENT_PAGE_URL: sandbox,
      CHECKOUT_PUBLIC_URL: server,
      CHECKOUT_DATABASE_URL: `sqlite://${path.join(out, 'checkout.db')}?mode=rwc`,
      CHECKOUT_STATIC_DIR: path.join(root, 'dist'),
      CHECKOUT_OTP_TTL_SECS: String(OTP_TTL_SECS),
      CHECKOUT_RECONCILE_AFTER_SECS: '2',
      CHECKOUT_STATUS_MIN_AGE_MS: String(STATUS_MIN_AGE_MS),
      // As `make demo`: the webhooks go to the demo shop's own endpoint.
      CHECKOUT_WEBHOOK_URL: `${server}/demo/webhooks`,
      CHECKOUT_WEBHOOK_SECRET: 'e2e-webhook-secret-0123456789',
      CHECKOUT_WEBHOOK_RETRY_SCALE: '0.01',
    }, path.join(out, 'server.log')),
  ];
  process.env.E2E_BASE = server;
  process.env.E2E_SANDBOX = sandbox;
  return async () => {
    for (const child of children) child.kill();
  };
}
