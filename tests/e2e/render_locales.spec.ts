import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { Locale, PhoneScreen, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

const SHOTS = process.env.E2E_SCREENSHOTS;

/** Serious or critical accessibility problems inside the widget. */
async function seriousViolations(page: Page) {
  const report = await new AxeBuilder({ page }).include('kz-mobile-checkout').analyze();
  return report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

/** Visible text of the widget that is English where it should not be (operator names aside). */
function untranslated(text: string, locale: Locale): string[] {
  if (locale === 'en') return [];
  const allowed = new Set(['Activ', 'Altel', 'Beeline', 'Kcell', 'Tele', 'SMS', 'Demo', 'shop']);
  return (text.match(/[A-Za-z]{3,}/g) ?? []).filter((word) => !allowed.has(word));
}

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`every screen in ${locale} is translated and accessible`, async ({ page }) => {
    const phone = randomPhone('776');
    const form = await new PhoneScreen(page, locale).open();
    const widget = page.locator('kz-mobile-checkout');
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/form-${locale}.png` });

    await form.phone.fill('+7 916 123 45 67');
    await widget.getByRole('button', { name: TEXT.getCode[locale] }).click();
    await expect(widget.getByRole('alert').first()).not.toBeEmpty();
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/phone-error-${locale}.png` });

    const otp = await form.submit(phone);
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/otp-${locale}.png` });

    await otp.type((await smsCode(phone)) === '000000' ? '111111' : '000000');
    await expect(widget.getByText(TEXT.wrongCode[locale])).toBeVisible();
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/otp-wrong-${locale}.png` });

    await otp.type(await smsCode(phone));
    await expect(new ResultScreen(page, locale).heading(TEXT.paid[locale])).toBeVisible();
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/paid-${locale}.png` });
  });

  test(`the decline screen in ${locale} is translated and accessible`, async ({ page }) => {
    const otp = await (await new PhoneScreen(page, locale).open()).submit('+7 700 000 00 01');
    await otp.type('123456');
    const widget = page.locator('kz-mobile-checkout');
    await expect(new ResultScreen(page, locale).heading(TEXT.declined[locale])).toBeVisible();
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/declined-${locale}.png` });
  });
}
