import { UNTIL_EXPIRED_MS } from './global-setup';
import { expect, test } from '@playwright/test';
import { PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

test('after the code expires a new one can be sent and pays', async ({ page }) => {
  const phone = randomPhone('747');
  const otp = await (await new PhoneScreen(page, 'en').open()).submit(phone);
  await expect(otp.resend).toHaveCount(0);
  await expect(otp.timer).toHaveText('00:00', { timeout: UNTIL_EXPIRED_MS });
  await expect(otp.resend).toContainText('3 new codes left');
  await otp.resend.click();
  const fresh = await smsCode(phone, 2);
  await expect(otp.resend).toHaveCount(0);
  await otp.type(fresh);
  await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible();
});

test('after three new codes the button is gone', async ({ page }) => {
  test.setTimeout(90_000);
  const phone = randomPhone('778');
  const otp = await (await new PhoneScreen(page, 'ru').open()).submit(phone);
  // "New codes", not "attempts": a wrong code does not use one up.
  for (const left of ['осталось 3 новых кода', 'осталось 2 новых кода', 'остался 1 новый код']) {
    await expect(otp.resend).toContainText(left, { timeout: UNTIL_EXPIRED_MS });
    await otp.resend.click();
    await expect(otp.resend).toHaveCount(0);
  }
  await expect(otp.timer).toHaveText('00:00', { timeout: UNTIL_EXPIRED_MS });
  await expect(otp.resend).toHaveCount(0);
  await expect(page.locator('kz-mobile-checkout')).toContainText('новые коды закончились');
  await expect(page.locator('kz-mobile-checkout').getByRole('button', { name: TEXT.tryAgain.ru })).toBeVisible();
});
