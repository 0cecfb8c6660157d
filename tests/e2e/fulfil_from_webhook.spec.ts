import { expect, test } from '@playwright/test';
import { PhoneScreen, randomPhone, smsCode } from './fixtures/checkout';

/** What the demo shop says of its order, in each language. */
const SHOP = {
  kk: { open: 'Төлем күтілуде', paid: 'Төленді: дүкен серверіне қолтаңбасы тексерілген вебхук келді', verified: 'қолтаңба тексерілді' },
  ru: { open: 'Ожидает оплаты', paid: 'Оплачен: сервер магазина получил вебхук с проверенной подписью', verified: 'подпись проверена' },
  en: { open: 'Awaiting payment', paid: "Paid: the shop's server received a webhook with a verified signature", verified: 'signature verified' },
} as const;

// The shop must never fulfil from the browser: the customer pays and closes the tab before the
// widget can say anything, and the order is paid all the same, by the signed webhook its server
// received and verified.
test('a customer pays and closes the tab at once: the shop marks the order paid from its webhook', async ({ context }) => {
  const page = await context.newPage();
  const form = await new PhoneScreen(page, 'en').open();
  const session = await page.locator('kz-mobile-checkout').getAttribute('session');
  expect(session).toBeTruthy();
  await expect(page.locator('#order-status')).toHaveText(SHOP.en.open);
  const phone = randomPhone('707');
  const otp = await form.submit(phone);
  const code = await smsCode(phone);
  const submitted = page.waitForResponse((r) => r.url().endsWith('/otp') && r.request().method() === 'POST');
  await otp.type(code);
  expect((await submitted).status()).toBeLessThan(300);
  // At once: the platform's verdict has not come yet, the widget has said nothing of it.
  await page.close();

  const shop = await context.newPage();
  await shop.goto(`/?locale=en&order=${session}`);
  await expect(shop.locator('#order-status')).toHaveText(SHOP.en.paid, { timeout: 20_000 });
  await expect(shop.locator('#order-status')).toHaveAttribute('data-status', 'paid');
  const received = shop.locator('#webhooks li').filter({ hasText: 'payment.succeeded' });
  await expect(received).toHaveCount(1);
  await expect(received).toContainText(SHOP.en.verified);
  for (const locale of ['kk', 'ru'] as const) {
    await shop.locator(`[data-locale=${locale}]`).click();
    await expect(shop.locator('#order-status')).toHaveText(SHOP[locale].paid);
    await expect(received).toContainText(SHOP[locale].verified);
  }
});

test('a forged webhook is listed as refused and fulfils nothing', async ({ page, request }) => {
  await page.goto('/?locale=ru');
  await expect(page.locator('kz-mobile-checkout')).toHaveAttribute('session', /^cs_/);
  const session = await page.locator('kz-mobile-checkout').getAttribute('session');
  const forged = await request.post('/demo/webhooks', {
    headers: { 'Checkout-Signature': 't=1,v1=00' },
    data: { id: 'evt_forged', type: 'payment.succeeded', created_at: '2026-12-06T00:00:00Z', data: { session: { session } } },
  });
  expect(forged.status()).toBe(403);
  const item = page.locator('#webhooks li').filter({ hasText: 'evt_forged' });
  await expect(item).toContainText('подпись отклонена');
  await expect(page.locator('#order-status')).toHaveText(SHOP.ru.open);
});
