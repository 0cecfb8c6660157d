import { createHash } from 'node:crypto';
import { expect, Page, test } from '@playwright/test';
import { TEXT } from './fixtures/checkout';

// PCI DSS 6.4.3: the page pins the loader, the loader pins the glue and the wasm. A file altered
// by one byte on its way is never run: no half-drawn widget, a text for the customer and the
// `error` event with `load_failed` for the merchant.

const sri = (body: Buffer) => `sha384-${createHash('sha384').update(body).digest('base64')}`;

/** Records the widget's `error` events from the first script on. */
async function recordErrors(page: Page) {
  await page.addInitScript(() => {
    (window as any).__widgetErrors = [];
    addEventListener('error', (e) => { if ((e as CustomEvent).detail) (window as any).__widgetErrors.push((e as CustomEvent).detail); }, true);
  });
}

test('the build pins every file: integrity.json, the loader on the page, the glue and the wasm in the loader', async ({ page, request }) => {
  const pins = await (await request.get('/integrity.json')).json();
  for (const file of ['kz-mobile-checkout-loader.js', 'kz-mobile-checkout.js', 'kz-mobile-checkout_bg.wasm', 'kz-mobile-checkout.css']) {
    const body = await (await request.get(`/${file}`, { headers: { 'Accept-Encoding': 'br' } })).body();
    expect(pins[file], file).toBe(sri(body));
  }
  const loader = await (await request.get('/kz-mobile-checkout-loader.js')).text();
  expect(loader).toContain(pins['kz-mobile-checkout.js']);
  expect(loader).toContain(pins['kz-mobile-checkout_bg.wasm']);
  await page.goto('/?locale=en');
  await expect(page.locator('script[src="./kz-mobile-checkout-loader.js"]')).toHaveAttribute('integrity', pins['kz-mobile-checkout-loader.js']);
  // With every pin in place the widget loads.
  await expect(page.locator('kz-mobile-checkout').getByLabel(TEXT.phone.en)).toBeVisible();
});

const LOAD_FAILED = {
  kk: 'Төлем формасы жүктелмеді. Бетті қайта жүктеп көріңіз.',
  ru: 'Не удалось загрузить форму оплаты. Обновите страницу.',
  en: 'The payment form could not be loaded. Please reload the page.',
} as const;

for (const [file, locale] of [['kz-mobile-checkout_bg.wasm', 'en'], ['kz-mobile-checkout.js', 'ru'], ['kz-mobile-checkout_bg.wasm', 'kk']] as const) {
  test(`a ${file} altered by one byte is refused with load_failed (${locale})`, async ({ page }) => {
    await recordErrors(page);
    let altered = 0;
    await page.route(`**/${file}`, async (route) => {
      const original = await route.fetch();
      const body = await original.body();
      // One byte near the end: the file still parses, so only the integrity check can refuse it.
      body[body.length - 2] ^= 0x01;
      altered += 1;
      await route.fulfill({ response: original, body });
    });
    await page.goto(`/?locale=${locale}`);
    const widget = page.locator('kz-mobile-checkout');
    await expect(widget.getByRole('alert')).toHaveText(LOAD_FAILED[locale]);
    const errors = await page.evaluate(() => (window as any).__widgetErrors);
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe('load_failed');
    expect(errors[0].message).toContain('integrity');
    expect(errors[0].message).toContain(file);
    expect(altered).toBe(1);
    // Nothing of the widget was drawn.
    await expect(widget.getByLabel(TEXT.phone[locale])).toHaveCount(0);
    await expect(widget.locator('.kzc-root')).toHaveCount(0);
  });
}
