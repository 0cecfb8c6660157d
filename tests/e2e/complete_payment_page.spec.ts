import { expect, test } from '@playwright/test';
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
