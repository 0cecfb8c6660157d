import { UNTIL_EXPIRED_MS } from './global-setup';
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
  // Operator and terminal brands are names, not text.
  const allowed = new Set(['Activ', 'Altel', 'Beeline', 'Kcell', 'Tele', 'SMS', 'Demo', 'shop', 'Kassa']);
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

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`the other modes in ${locale} are translated and accessible`, async ({ page }) => {
    const widget = page.locator('kz-mobile-checkout');
    for (const mode of ['payment_page', 'cash_in', 'payout']) {
      await page.goto(`/?mode=${mode}&locale=${locale}`);
      await expect(widget.getByRole('radio').first().or(widget.getByTestId('cash-account'))).toBeVisible();
      expect(untranslated(await widget.innerText(), locale)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      if (SHOTS) await widget.screenshot({ path: `${SHOTS}/${mode.replace('_', '-')}-${locale}.png` });
    }
    await widget.getByLabel(TEXT.phone[locale]).fill('+7 777 123 45 67');
    await widget.locator('[data-testid=submit]').click();
    await expect(widget.getByTestId('payout-confirm')).toBeVisible();
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/payout-confirm-${locale}.png` });
  });
}

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`the expired-code and broken-link screens in ${locale} are translated and accessible`, async ({ page }) => {
    const widget = page.locator('kz-mobile-checkout');
    const otp = await (await new PhoneScreen(page, locale).open()).submit(randomPhone('700'));
    await expect(otp.timer).toHaveText('00:00', { timeout: UNTIL_EXPIRED_MS });
    await expect(otp.resend).toBeVisible();
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/otp-expired-${locale}.png` });

    // A link whose session does not exist.
    await widget.evaluate((element) => element.setAttribute('session', 'cs_no_such_session'));
    await expect(widget.getByTestId('load-failed')).toBeVisible();
    expect(untranslated(await widget.innerText(), locale)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    if (SHOTS) await widget.screenshot({ path: `${SHOTS}/link-expired-${locale}.png` });
  });
}
