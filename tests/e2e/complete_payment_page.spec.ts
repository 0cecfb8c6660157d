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
