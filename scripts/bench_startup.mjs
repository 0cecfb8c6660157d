// Widget start-up in headless Chromium: median over cold loads of (1) navigation start to the
// first interactive screen (the phone field in the DOM) and (2) submit to the OTP screen.
// Usage: node bench_startup.mjs URL LOADS, with PLAYWRIGHT=<path to playwright-core>.
const { chromium } = await import(process.env.PLAYWRIGHT);
const [url, loadsText] = process.argv.slice(2);
const loads = Number(loadsText || 10);

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
  await page.locator('[data-testid=otp]').waitFor({ timeout: 15000 });
  otpScreen.push(await page.evaluate(() => window.__marks.otp - window.__marks.submit));
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ loads, first_screen_ms: median(firstScreen), otp_screen_ms: median(otpScreen), first_screen_all: firstScreen, otp_screen_all: otpScreen }));
