import { expect, test } from '@playwright/test';

test('a cash deposit at the terminal appears in the widget without a reload', async ({ page }) => {
  await page.goto('/?mode=cash_in&locale=ru');
  const widget = page.locator('kz-mobile-checkout');
  await expect(widget.getByText('Оплата наличными в терминале Kassa24')).toBeVisible();
  await expect(widget.getByTestId('cash-account')).toHaveText('demo-customer');
  await expect(widget.getByTestId('cash-limits')).toContainText('500\u00a0000,00\u00a0₸');
  await page.getByRole('button', { name: /Simulate a terminal payment/ }).click();
  await expect(widget.getByText('Зачислено: 5\u00a0000,00\u00a0₸')).toBeVisible({ timeout: 15_000 });
});
