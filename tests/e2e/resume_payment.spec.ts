import { expect, test } from '@playwright/test';
import { OTP_TTL_SECS } from './global-setup';
import { PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

test('a reload in the middle of the code step resumes with the right countdown', async ({ page }) => {
  const phone = randomPhone('705');
  const otp = await (await new PhoneScreen(page, 'en').open()).submit(phone);
  await page.waitForTimeout(1200);
  await page.reload();
  await expect(otp.code).toBeVisible();
  const left = Number((await otp.timer.textContent())!.split(':')[1]);
  // The countdown follows the server's deadline, not a fresh start at the full validity.
  expect(left).toBeLessThanOrEqual(OTP_TTL_SECS - 1);
  await otp.type(await smsCode(phone));
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible();
});

test('a language chosen on the page survives a reload of the code step', async ({ page }) => {
  const phone = randomPhone('705');
  await new PhoneScreen(page, 'ru').open();
  await page.getByRole('button', { name: 'Қазақша' }).click();
  const otp = await new PhoneScreen(page, 'kk').submit(phone);
  await page.reload();
  await expect(otp.code).toBeVisible();
  await expect(page.locator('kz-mobile-checkout')).toContainText('SMS-тегі кодты енгізіңіз');
  await expect(page.locator('html')).toHaveAttribute('lang', 'kk');
});
