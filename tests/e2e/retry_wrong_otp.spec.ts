import { expect, test } from '@playwright/test';
import { PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

test('a wrong code is refused, then the right one pays', async ({ page }) => {
  const phone = randomPhone('775');
  const otp = await (await new PhoneScreen(page, 'ru').open()).submit(phone);
  const code = await smsCode(phone);
  const wrong = code === '000000' ? '111111' : '000000';
  await otp.type(wrong);
  await expect(page.locator('kz-mobile-checkout').getByRole('alert').filter({ hasText: TEXT.wrongCode.ru })).toBeVisible();
  await expect(otp.code).toHaveValue('');
  await expect(otp.code).toBeFocused();
  await otp.type(code);
  await expect(new ResultScreen(page, 'ru').heading(TEXT.paid.ru)).toBeVisible();
});
