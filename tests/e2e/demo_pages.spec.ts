import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { randomPhone, smsCode } from './fixtures/checkout';

type Locale = 'kk' | 'ru' | 'en';

/** What the demo shop and the sandbox's Payment Page say in each language. */
const PAGE = {
  kk: { checkout: 'Тапсырысты рәсімдеу', total: '12\u00a0990,00\u00a0₸', payOnPage: 'Төлем бетінде төлеу', dialog: 'Төлем беті', hostedPay: 'Төлеу: 12\u00a0990,00\u00a0₸', getCode: 'Код алу' },
  ru: { checkout: 'Оформление заказа', total: '12\u00a0990,00\u00a0₸', payOnPage: 'Оплатить на платёжной странице', dialog: 'Платёжная страница', hostedPay: 'Оплата: 12\u00a0990,00\u00a0₸', getCode: 'Получить код' },
  en: { checkout: 'Checkout', total: '₸12,990.00', payOnPage: 'Pay on the payment page', dialog: 'Payment Page', hostedPay: 'Pay ₸12,990.00', getCode: 'Get the code' },
} as const;

async function serious(page: Page): Promise<string[]> {
  const report = await new AxeBuilder({ page }).analyze();
  return report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

/** Words of the shop's own text (the widget and the event log aside) left in English. */
async function englishOutsideTheWidget(page: Page, locale: Locale): Promise<string[]> {
  if (locale === 'en') return [];
  const text = await page.evaluate(() => {
    const copy = document.body.cloneNode(true) as HTMLElement;
    // The widget, the event log, the language switch's names (each marked with its own lang) and
    // the webhooks' types and ids (code) aside.
    copy.querySelectorAll('kz-mobile-checkout, #events, script, [lang], code').forEach((e) => e.remove());
    return copy.innerText;
  });
  // Brands, the SMS of "SMS", and the test numbers' digits are not English text.
  const allowed = new Set(['SMS', 'Kassa']);
  return (text.match(/[A-Za-z]{3,}/g) ?? []).filter((word) => !allowed.has(word));
}

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`the demo shop in ${locale}: its text, lang and amounts, accessible`, async ({ page }) => {
    await page.goto(`/?locale=${locale}`);
    await expect(page.locator('html')).toHaveAttribute('lang', locale);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAGE[locale].checkout);
    await expect(page.locator('.total')).toContainText(PAGE[locale].total);
    await expect(page.locator('kz-mobile-checkout').getByRole('radio').first()).toBeVisible();
    expect(await englishOutsideTheWidget(page, locale)).toEqual([]);
    expect(await serious(page)).toEqual([]);
    // Switching the language on the page switches the shop's text and lang with the widget's.
    const other = locale === 'en' ? 'ru' : 'en';
    await page.locator(`[data-locale=${other}]`).click();
    await expect(page.locator('html')).toHaveAttribute('lang', other);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAGE[other].checkout);
  });

  test(`the sandbox's Payment Page in ${locale}: its text, lang, named dialog and frame, accessible`, async ({ page }) => {
    await page.goto(`/?mode=payment_page&locale=${locale}`);
    const widget = page.locator('kz-mobile-checkout');
    await widget.getByRole('radio', { name: 'Kcell' }).check();
    await widget.getByRole('button', { name: PAGE[locale].payOnPage }).click();
    const dialog = page.getByRole('dialog', { name: PAGE[locale].dialog });
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('iframe')).toHaveAttribute('title', PAGE[locale].dialog);
    const hosted = page.frameLocator('[data-epay-modal] iframe');
    await expect(hosted.getByRole('heading', { level: 1 })).toHaveText(PAGE[locale].hostedPay);
    await expect(hosted.locator('html')).toHaveAttribute('lang', locale);
    await expect(hosted.getByRole('button', { name: PAGE[locale].getCode })).toBeVisible();
    expect(await serious(page)).toEqual([]);
  });
}

test('the developer page lists a finished payment with its callbacks and texts', async ({ page }) => {
  const phone = randomPhone('705');
  await page.goto('/?locale=en');
  const widget = page.locator('kz-mobile-checkout');
  await widget.getByLabel('Phone number').fill(phone);
  await widget.getByRole('button', { name: 'Get the code' }).click();
  await widget.getByLabel('Code from the SMS').fill(await smsCode(phone));
  await expect(widget.getByRole('heading', { name: 'Payment complete' })).toBeVisible({ timeout: 15_000 });
  const success = await page.evaluate(() => document.getElementById('events')!.textContent);
  const paymentId = /"payment_id":"([^"]+)"/.exec(success ?? '')![1];

  const developer = await page.locator('#developer').getAttribute('href');
  await page.goto(developer!);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  const row = page.getByRole('row').filter({ hasText: paymentId });
  await expect(row).toContainText('success');
  await expect(row).toContainText('₸12,990.00');
  await expect(row).toContainText(`+7 ${phone.slice(3, 6)} ••• •• ${phone.slice(-2)}`);
  await expect(row).toContainText('HTTP 200');
  expect(await serious(page)).toEqual([]);
});
