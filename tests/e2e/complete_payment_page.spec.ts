import { expect, Page, test } from '@playwright/test';
import { randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

test('a purchase through the hosted Payment Page completes and the widget shows the backend result', async ({ page }) => {
  const phone = randomPhone('707');
  await page.goto('/?mode=payment_page&locale=en');
  const widget = page.locator('kz-mobile-checkout');
  await widget.getByRole('radio', { name: 'Tele2' }).check();
  await widget.getByRole('button', { name: 'Pay on the payment page' }).click();

  // The platform's page opens in its modal; the operator chosen in the widget is enforced there.
  const hosted = page.frameLocator('[data-epay-modal] iframe');
  await expect(hosted.getByLabel('Mobile operator')).toHaveValue('TELE2');
  await hosted.getByLabel('Phone number').fill(phone);
  await hosted.getByRole('button', { name: 'Get the code' }).click();
  await hosted.getByLabel('Code from the SMS').fill(await smsCode(phone));
  await hosted.getByRole('button', { name: 'Pay' }).click();
  await expect(hosted.getByText('Payment successful')).toBeVisible();

  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('#events')).toContainText('payment-page {"message":"payment_success"}');
});

test('the Payment Page embedded in the widget completes', async ({ page }) => {
  const phone = randomPhone('702');
  await page.goto('/?mode=payment_page&display=embedded&locale=en');
  const widget = page.locator('kz-mobile-checkout');
  await widget.getByRole('radio', { name: 'Kcell' }).check();
  await widget.getByRole('button', { name: 'Pay on the payment page' }).click();
  const hosted = page.frameLocator('kz-mobile-checkout iframe');
  await hosted.getByLabel('Phone number').fill(phone);
  await hosted.getByRole('button', { name: 'Get the code' }).click();
  await hosted.getByLabel('Code from the SMS').fill(await smsCode(phone));
  await hosted.getByRole('button', { name: 'Pay' }).click();
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 15_000 });
});

test('the Payment Page by redirect completes, and the shop shows the result on return', async ({ page }) => {
  const phone = randomPhone('708');
  await page.goto('/?mode=payment_page&display=redirect&locale=en');
  const shop = page.url();
  await page.locator('kz-mobile-checkout').getByRole('radio', { name: 'Altel' }).check();
  await page.locator('kz-mobile-checkout').getByRole('button', { name: 'Pay on the payment page' }).click();
  await page.waitForURL(/\/payment\?/);
  await page.getByLabel('Phone number').fill(phone);
  await page.getByRole('button', { name: 'Get the code' }).click();
  await page.getByLabel('Code from the SMS').fill(await smsCode(phone));
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByText('Payment successful')).toBeVisible();
  await page.goto(shop);
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 15_000 });
});

/** Opens the hosted page in its modal with `operator` and types the phone and the texted code. */
async function openAndFill(page: Page, operator: string, phone: string) {
  await page.goto('/?mode=payment_page&locale=en');
  const widget = page.locator('kz-mobile-checkout');
  await widget.getByRole('radio', { name: operator }).check();
  await widget.getByRole('button', { name: 'Pay on the payment page' }).click();
  const hosted = page.frameLocator('[data-epay-modal] iframe');
  await hosted.getByLabel('Phone number').fill(phone);
  await hosted.getByRole('button', { name: 'Get the code' }).click();
  await hosted.getByLabel('Code from the SMS').fill(await smsCode(phone));
  return { widget, hosted, payButton: widget.getByRole('button', { name: 'Pay on the payment page' }) };
}

test('paid on the Payment Page, then closed: the widget shows the success, never the pay button again', async ({ page }) => {
  const { hosted, payButton } = await openAndFill(page, 'Tele2', randomPhone('707'));
  await hosted.getByRole('button', { name: 'Pay' }).click();
  await expect(hosted.getByText('Payment successful')).toBeVisible();
  await hosted.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('[data-epay-modal]')).toHaveCount(0);
  await expect(payButton).toHaveCount(0);
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 15_000 });
  await expect(payButton).toHaveCount(0);
  await page.reload();
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible();
});

test('closed right after Pay: the widget resolves the payment before offering to pay again', async ({ page }) => {
  const { hosted, payButton } = await openAndFill(page, 'Tele2', randomPhone('707'));
  // The platform has the code; its callback is still on the way when the customer closes.
  const codeTaken = page.waitForResponse((response) => response.url().includes('/payment/api/otp'));
  await hosted.getByRole('button', { name: 'Pay' }).click();
  await codeTaken;
  await hosted.getByRole('button', { name: 'Close' }).click();
  // Not the button: the widget keeps following the payment, and the platform's answer decides.
  await expect(payButton).toHaveCount(0);
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 15_000 });
});

test('closed without paying: once the platform confirms it has nothing, the pay button is back, also after a reload', async ({ page }) => {
  await page.goto('/?mode=payment_page&locale=en');
  const widget = page.locator('kz-mobile-checkout');
  const payButton = widget.getByRole('button', { name: 'Pay on the payment page' });
  await widget.getByRole('radio', { name: 'Kcell' }).check();
  await payButton.click();
  const hosted = page.frameLocator('[data-epay-modal] iframe');
  await expect(hosted.getByLabel('Phone number')).toBeVisible();
  await hosted.getByRole('button', { name: 'Close' }).click();
  await expect(payButton).toBeVisible({ timeout: 15_000 });
  await page.reload();
  await expect(payButton).toBeVisible();
});

/** The sandbox's Payment Page, in the language the widget opens it in. */
const HOSTED = {
  pay: { kk: 'Төлеу', ru: 'Оплатить', en: 'Pay' },
  close: { kk: 'Жабу', ru: 'Закрыть', en: 'Close' },
  success: { kk: 'Төлем өтті', ru: 'Оплата прошла', en: 'Payment successful' },
} as const;
const PAY_ON_PAGE = { kk: 'Төлем бетінде төлеу', ru: 'Оплатить на платёжной странице', en: 'Pay on the payment page' } as const;

/** The payments the platform (the sandbox) holds for a checkout session, by the admin API's list. */
async function platformPaymentsOf(session: string): Promise<string[]> {
  const list = await (await fetch(`${process.env.E2E_BASE}/admin/payments?limit=500`, { headers: { authorization: `Bearer ${E2E_ADMIN}` } })).json();
  const ids: string[] = list.filter((p: { session?: string }) => p.session === session).map((p: { payment_id: string }) => p.payment_id);
  const held = await Promise.all(ids.map(async (id) => (await fetch(`${process.env.E2E_SANDBOX}/sandbox/payments/${id}`)).status === 200));
  return ids.filter((_, i) => held[i]);
}
const E2E_ADMIN = 'e2e-admin-token-0123456789';

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`paid on the Payment Page with the final callback held back, closed at once: the success with the phone, never the pay button (${locale})`, async ({ page }) => {
    await page.goto(`/?mode=payment_page&locale=${locale}`);
    const widget = page.locator('kz-mobile-checkout');
    const payButton = widget.getByRole('button', { name: PAY_ON_PAGE[locale] });
    await widget.getByRole('radio', { name: 'Altel' }).check();
    await payButton.click();
    // The sandbox's scenario: the final callback is held back, the status request knows first.
    const hosted = page.frameLocator('[data-epay-modal] iframe');
    await hosted.getByLabel(TEXT.phone[locale]).fill('+7 700 000 00 05');
    await hosted.getByRole('button', { name: TEXT.getCode[locale] }).click();
    await hosted.getByLabel(TEXT.otp[locale]).fill('123456');
    await hosted.getByRole('button', { name: HOSTED.pay[locale], exact: true }).click();
    await expect(hosted.getByText(HOSTED.success[locale])).toBeVisible();
    await hosted.getByRole('button', { name: HOSTED.close[locale] }).click();
    await expect(page.locator('[data-epay-modal]')).toHaveCount(0);

    await expect(payButton).toHaveCount(0);
    await expect(new ResultScreen(page, locale).heading(TEXT.paid[locale])).toBeVisible({ timeout: 15_000 });
    await expect(widget.getByTestId('result-detail')).toContainText('+7 700 ••• •• 05');
    await expect(payButton).toHaveCount(0);
    const session = (await widget.getAttribute('session'))!;
    expect(await platformPaymentsOf(session)).toHaveLength(1);
  });
}
