// The widget's start-up in each browser engine, unthrottled: the median over cold loads (a new
// browser session each, so an empty cache) of its two User Timing marks from navigation start,
// `kz-mobile-checkout:first-screen` (the phone field drawn and typeable) and
// `kz-mobile-checkout:interactive` (the widget running), on the demo shop's page with the
// backend's drawn first screen in it (`page`) and without one (`none`). Each engine through its W3C WebDriver
// server (tests/e2e/fixtures/webdriver.cjs, the same as the journeys of engines.spec.ts).
// Usage: node bench_engines.mjs URL LOADS; prints JSON.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { Builder } = require('selenium-webdriver');
const { ENGINES, startDriver, stopDriver } = require('./fixtures/webdriver.cjs');

const [url, loadsText] = process.argv.slice(2);
const loads = Number(loadsText || 10);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return Math.round(s[Math.floor((s.length - 1) / 2)]); };

const MARKS = "return ['first-screen', 'interactive'].map((n) => { const m = performance.getEntriesByName('kz-mobile-checkout:' + n)[0]; return m ? m.startTime : null; });";

/** `promise`, or a failure after `ms`: a WebDriver server can hang on a session (WebKitGTK's has). */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One cold load in a new session: both marks, from navigation start. */
async function load(server, engine, path) {
  const driver = await within(60_000, `${engine.name}: a new session`, new Builder().usingServer(server.url).withCapabilities(engine.capabilities).build());
  try {
    await within(60_000, `${engine.name}: the page`, driver.get(`${url}${url.includes('?') ? '&' : '?'}first_screen=${path}`));
    const started = Date.now();
    let marks = [null, null];
    while (marks.includes(null) && Date.now() - started < 30_000) {
      marks = await within(30_000, `${engine.name}: the marks`, driver.executeScript(MARKS));
      if (marks.includes(null)) await new Promise((r) => setTimeout(r, 20));
    }
    if (marks.includes(null)) throw new Error(`${engine.name} (${path}): no first screen or not interactive within 30 s`);
    return marks;
  } finally {
    await within(30_000, `${engine.name}: closing the session`, driver.quit()).catch(() => undefined);
  }
}

const results = {};
for (const engine of ENGINES) {
  let server = await startDriver(engine);
  const times = { page: { first: [], interactive: [] }, none: { first: [], interactive: [] } };
  try {
    for (let i = 0; i < loads; i++) {
      for (const path of ['page', 'none']) {
        let marks;
        for (let attempt = 1; !marks; attempt++) {
          try {
            marks = await load(server, engine, path);
          } catch (error) {
            // The machinery, not the page: a new driver, and the load once more (then it fails).
            if (attempt === 2) throw error;
            console.error(`bench: ${error.message}; once more on a new driver`);
            stopDriver(server.process);
            server = await startDriver(engine);
          }
        }
        times[path].first.push(marks[0]);
        times[path].interactive.push(marks[1]);
      }
    }
  } finally {
    stopDriver(server.process);
  }
  const summary = (t) => ({ first_screen_ms: median(t.first), interactive_ms: median(t.interactive), first_screen_all: t.first.map(Math.round), interactive_all: t.interactive.map(Math.round) });
  results[engine.name] = { ...summary(times.none), paths: { page: summary(times.page), none: summary(times.none) } };
}
console.log(JSON.stringify({ loads, profile: 'unthrottled', engines: results }));
