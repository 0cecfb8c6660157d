// The widget's first screen in each browser engine, unthrottled: the median over cold loads (a
// new browser session each, so an empty cache) of the widget's own User Timing mark
// `kz-mobile-checkout:first-screen`, from navigation start. Each engine through its W3C WebDriver
// server (tests/e2e/fixtures/webdriver.cjs, the same as the journeys of engines.spec.ts).
// Usage: node bench_engines.mjs URL LOADS; prints JSON.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { Builder } = require('selenium-webdriver');
const { ENGINES, startDriver, stopDriver } = require('./fixtures/webdriver.cjs');

const [url, loadsText] = process.argv.slice(2);
const loads = Number(loadsText || 10);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return Math.round(s[Math.floor((s.length - 1) / 2)]); };

const results = {};
for (const engine of ENGINES) {
  const server = await startDriver(engine);
  const times = [];
  try {
    for (let i = 0; i < loads; i++) {
      const driver = await new Builder().usingServer(server.url).withCapabilities(engine.capabilities).build();
      try {
        await driver.get(url);
        const started = Date.now();
        let mark = null;
        while (mark === null && Date.now() - started < 30_000) {
          mark = await driver.executeScript("const m = performance.getEntriesByName('kz-mobile-checkout:first-screen')[0]; return m ? m.startTime : null;");
          if (mark === null) await new Promise((r) => setTimeout(r, 20));
        }
        if (mark === null) throw new Error(`${engine.name}: no first screen within 30 s`);
        times.push(mark);
      } finally {
        await driver.quit();
      }
    }
  } finally {
    stopDriver(server.process);
  }
  results[engine.name] = { first_screen_ms: median(times), all: times.map(Math.round) };
}
console.log(JSON.stringify({ loads, profile: 'unthrottled', engines: results }));
