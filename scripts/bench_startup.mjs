// Widget start-up in headless Chromium: median over cold loads of (1) navigation start to the
// first interactive screen (the phone field in the DOM) and (2) submit to the OTP screen.
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
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const firstScreen = [];
const otpScreen = [];
for (let i = 0; i < loads; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (midRange) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    const bytesPerSecond = (1.6 * 1024 * 1024) / 8;
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: bytesPerSecond, uploadThroughput: (750 * 1024) / 8,
    });
  }
  await page.addInitScript(() => {
    window.__marks = {};
    new MutationObserver(() => {
      if (!window.__marks.phone && document.querySelector('kz-mobile-checkout [data-testid=phone]')) window.__marks.phone = performance.now();
      if (window.__marks.submit && !window.__marks.otp && document.querySelector('kz-mobile-checkout [data-testid=otp]')) window.__marks.otp = performance.now();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  await page.locator('[data-testid=phone]').waitFor();
  firstScreen.push(await page.evaluate(() => window.__marks.phone));
  await page.locator('[data-testid=phone]').fill('77000000000');
  await page.evaluate(() => { window.__marks.submit = performance.now(); });
  await page.locator('[data-testid=submit]').click();
  await page.locator('[data-testid=otp]').waitFor({ timeout: 60000 });
  otpScreen.push(await page.evaluate(() => window.__marks.otp - window.__marks.submit));
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ loads, profile: midRange ? 'cpu_x4_1.6mbit_150ms' : 'unthrottled', first_screen_ms: median(firstScreen), otp_screen_ms: median(otpScreen), first_screen_all: firstScreen, otp_screen_all: otpScreen }));
