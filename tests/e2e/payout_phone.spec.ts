import { expect, test } from '@playwright/test';
import { randomPhone } from './fixtures/checkout';

test('a payout to the phone is confirmed, sent, and reported', async ({ page }) => {
  const phone = randomPhone('777');
  await page.goto('/?mode=payout&locale=kk');
  const widget = page.locator('kz-mobile-checkout');
  await expect(widget.getByRole('heading', { name: 'Ақшаны телефонға алу' })).toBeVisible();
  await widget.getByLabel('Телефон нөмірі').fill(phone);
  await widget.getByRole('button', { name: 'Жалғастыру' }).click();
  await expect(widget.getByRole('heading', { name: /жіберілсін бе\?/ })).toBeVisible();
  await widget.getByRole('button', { name: 'Жіберу' }).click();
  await expect(widget.getByRole('heading', { name: 'Ақша жіберілді' })).toBeVisible({ timeout: 15_000 });
});
