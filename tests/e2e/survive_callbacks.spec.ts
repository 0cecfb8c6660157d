import { expect, test } from '@playwright/test';
import { UNTIL_EXPIRED_MS } from './global-setup';
import { PhoneScreen, ResultScreen, TEXT } from './fixtures/checkout';

test('a duplicate, late OTP callback does not flicker the result', async ({ page }) => {
  const otp = await (await new PhoneScreen(page, 'en').open()).submit('+7 700 000 00 04');
  await otp.type('123456');
  const paid = new ResultScreen(page, 'en').heading(TEXT.paid.en);
  await expect(paid).toBeVisible();
  // The stale callback arrives after the final one; the result stays.
  await page.waitForTimeout(1500);
  await expect(paid).toBeVisible();
  await expect(page.getByLabel(TEXT.otp.en)).toHaveCount(0);
});

test('without any callback the status request still brings the result', async ({ page }) => {
  const otp = await (await new PhoneScreen(page, 'en').open()).submit('+7 700 000 00 06');
  await otp.type('123456');
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible({ timeout: 20_000 });
});

test('the misleading decline around a resend is never shown', async ({ page }) => {
  const otp = await (await new PhoneScreen(page, 'en').open()).submit('+7 700 000 00 07');
  await expect(otp.resend).toBeVisible({ timeout: UNTIL_EXPIRED_MS });
  await otp.resend.click();
  for (let i = 0; i < 10; i++) {
    await expect(new ResultScreen(page, 'en').heading(TEXT.declined.en)).toHaveCount(0);
    await page.waitForTimeout(200);
  }
  await otp.type('234567');
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible();
});
