import { expect, test } from '@playwright/test';
import { PhoneScreen, ResultScreen, TEXT } from './fixtures/checkout';

test('a decline after the code explains itself and offers a new attempt', async ({ page }) => {
  const otp = await (await new PhoneScreen(page, 'en').open()).submit('+7 700 000 00 02');
  await otp.type('123456');
  await expect(new ResultScreen(page, 'en').heading(TEXT.declined.en)).toBeVisible();
  await expect(page.locator('kz-mobile-checkout')).toContainText('not enough money');
  await page.locator('kz-mobile-checkout').getByRole('button', { name: TEXT.tryAgain.en }).click();
  await expect(page.locator('kz-mobile-checkout').getByLabel(TEXT.phone.en)).toBeVisible();
});

test('a purchase Gate rejects never looks like a success', async ({ page }) => {
  const form = await new PhoneScreen(page, 'kk').open();
  await form.phone.fill('+7 700 000 00 03');
  await form.widget.getByRole('button', { name: TEXT.getCode.kk }).click();
  await expect(page.locator('kz-mobile-checkout').getByText(TEXT.failed.kk)).toBeVisible();
  await expect(new ResultScreen(page, 'kk').heading(TEXT.paid.kk)).toHaveCount(0);
});
