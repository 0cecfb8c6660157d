import { expect, test } from '@playwright/test';
import { PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`pays with the right code (${locale})`, async ({ page }) => {
    const phone = randomPhone('707');
    const form = await new PhoneScreen(page, locale).open();
    const otp = await form.submit(phone);
    await expect(otp.timer).toHaveText(/^0[01]:\d\d$/);
    await otp.type(await smsCode(phone));
    await expect(new ResultScreen(page, locale).heading(TEXT.paid[locale])).toBeVisible();
    await expect(page.locator('kz-mobile-checkout')).toContainText('••• ••');
  });
}

// The "done when" of the widget: a person pays by phone and code with the keyboard alone, in
// every language.
for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`pays with the keyboard alone (${locale})`, async ({ page }) => {
    const phone = randomPhone('701');
    const form = await new PhoneScreen(page, locale).open();
    await form.phone.focus();
    await page.keyboard.type(phone.replace(/\s/g, ''));
    // Tab into the operator group: the prefix already chose Kcell; arrows would change it.
    await page.keyboard.press('Tab');
    await expect(form.operators.getByRole('radio', { name: 'Kcell' })).toBeChecked();
    await page.keyboard.press('Enter');
    const code = await smsCode(phone);
    // Focus moves to the code field by itself.
    await expect(page.getByLabel(TEXT.otp[locale])).toBeFocused();
    await page.keyboard.type(code);
    await expect(new ResultScreen(page, locale).heading(TEXT.paid[locale])).toBeFocused();
  });
}
