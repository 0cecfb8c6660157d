// Widget start-up in headless Chromium, as a customer's phone meets it: over cold loads (a new
// browser context each, so an empty cache), the median of
//   - first_screen_ms: navigation start to the first interactive screen (the phone field), the
//     widget's own (the demo shop with `first_screen=none`: the path without a drawn screen);
//   - otp_screen_ms: the "get the code" click to the code screen;
//   - each link of the chain, when its answer's last byte arrived (Resource Timing `responseEnd`,
//     from navigation start): the page, the loader, the glue, the wasm, the session's answer, and
//     when the wasm was running (`mount` called, the widget's root in the DOM);
// and, in one context whose cache holds the files, the median of repeat visits' first screen;
// and `paths`, the three ways the first screen comes, each load of each path one after another
// (so each is measured beside the others, in the same conditions): `page` (the backend's drawn
// screen in the shop's page), `loader` (drawn by the loader with the session's first answer) and
// `none`: for each the User Timing marks `kz-mobile-checkout:first-screen` (the phone field drawn
// and typeable) and `kz-mobile-checkout:interactive` (the widget running).
// Usage: node bench_startup.mjs URL LOADS [mid-range], with PLAYWRIGHT=<path to playwright-core>.
// `mid-range` makes each load a mid-range phone's through the DevTools protocol: CPU throttled
// four times, and a 1.6 Mbit/s network with 150 ms round trips (DevTools' "Fast 3G" numbers).
const { chromium } = await import(process.env.PLAYWRIGHT);
const [url, loadsText, profile] = process.argv.slice(2);
const loads = Number(loadsText || 10);
const midRange = profile === 'mid-range';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const median = (xs) => { const s = xs.filter((x) => x != null).sort((a, b) => a - b); return s.length ? Math.round(s[Math.floor((s.length - 1) / 2)]) : null; };

async function throttle(context, page) {
  if (!midRange) return;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
  });
}

const marks = () => {
  window.__marks = {};
  new MutationObserver(() => {
    if (!window.__marks.root && document.querySelector('kz-mobile-checkout [data-testid=checkout]')) window.__marks.root = performance.now();
    if (!window.__marks.phone && document.querySelector('kz-mobile-checkout [data-testid=checkout] [data-testid=phone]')) window.__marks.phone = performance.now();
    if (window.__marks.submit && !window.__marks.otp && document.querySelector('kz-mobile-checkout [data-testid=otp]')) window.__marks.otp = performance.now();
  }).observe(document, { childList: true, subtree: true });
};

const address = (path) => `${url}${url.includes('?') ? '&' : '?'}first_screen=${path}`;

/** One visit: the first screen and, from Resource Timing, each link of the chain. */
async function visit(page, path = 'none') {
  await page.goto(address(path));
  await page.locator('[data-testid=checkout] [data-testid=phone]').waitFor({ timeout: 60000 });
  await page.waitForFunction(() => performance.getEntriesByName('kz-mobile-checkout:interactive').length > 0, null, { timeout: 60000 });
  return page.evaluate(() => {
    const end = (suffix) => performance.getEntriesByType('resource').filter((e) => e.name.split('?')[0].endsWith(suffix)).map((e) => e.responseEnd)[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const mark = (name) => performance.getEntriesByName(name).map((e) => e.startTime)[0];
    return {
      first_screen_mark: mark('kz-mobile-checkout:first-screen'),
      interactive_mark: mark('kz-mobile-checkout:interactive'),
      first_screen: window.__marks.phone,
      page: nav && nav.responseEnd,
      loader: end('/kz-mobile-checkout-loader.js'),
      glue: end('/kz-mobile-checkout.js'),
      wasm: end('/kz-mobile-checkout_bg.wasm'),
      session: performance.getEntriesByType('resource').filter((e) => /\/api\/sessions\/[^/?]+(\?first_screen=\w+)?$/.test(e.name)).map((e) => e.responseEnd)[0],
      wasm_running: window.__marks.root,
    };
  });
}

const PATHS = ['page', 'loader', 'none'];
const cold = [];
const otpScreen = [];
const byPath = Object.fromEntries(PATHS.map((path) => [path, []]));
for (let i = 0; i < loads; i++) {
  for (const path of PATHS) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await throttle(context, page);
    await page.addInitScript(marks);
    const result = await visit(page, path);
    byPath[path].push(result);
    if (path === 'none') {
      cold.push(result);
      await page.locator('[data-testid=checkout] [data-testid=phone]').fill('77000000000');
      await page.evaluate(() => { window.__marks.submit = performance.now(); });
      await page.locator('[data-testid=submit]').click();
      await page.locator('[data-testid=otp]').waitFor({ timeout: 60000 });
      otpScreen.push(await page.evaluate(() => window.__marks.otp - window.__marks.submit));
    }
    await context.close();
  }
}

// Repeat visits: one context, its first visit fills the cache, the next ones are measured.
const repeat = [];
{
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await throttle(context, page);
  await page.addInitScript(marks);
  await visit(page);
  for (let i = 0; i < loads; i++) repeat.push((await visit(page)).first_screen);
  await context.close();
}
await browser.close();

const chain = {};
for (const link of ['page', 'loader', 'glue', 'wasm', 'session', 'wasm_running', 'first_screen']) chain[link] = median(cold.map((c) => c[link]));
console.log(JSON.stringify({
  loads,
  profile: midRange ? 'cpu_x4_1.6mbit_150ms' : 'unthrottled',
  first_screen_ms: chain.first_screen,
  otp_screen_ms: median(otpScreen),
  repeat_first_screen_ms: median(repeat),
  chain_ms: chain,
  first_screen_all: cold.map((c) => Math.round(c.first_screen)),
  otp_screen_all: otpScreen.map(Math.round),
  repeat_first_screen_all: repeat.map(Math.round),
  paths: Object.fromEntries(PATHS.map((path) => [path, {
    first_screen_ms: median(byPath[path].map((r) => r.first_screen_mark)),
    interactive_ms: median(byPath[path].map((r) => r.interactive_mark)),
    first_screen_all: byPath[path].map((r) => Math.round(r.first_screen_mark)),
    interactive_all: byPath[path].map((r) => Math.round(r.interactive_mark)),
  }])),
}));
