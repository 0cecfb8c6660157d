import { expect, test } from '@playwright/test';

test('cash deposits at the terminal appear in the widget with what is left, then paid in full', async ({ page }) => {
  await page.goto('/?mode=cash_in&locale=ru');
  const widget = page.locator('kz-mobile-checkout');
  await expect(widget.getByText('Оплата наличными в терминале Kassa24')).toBeVisible();
  // Each demo order is its own account, so orders open side by side never share a deposit.
  await expect(widget.getByTestId('cash-account')).toHaveText(/^\d{10}$/);
  await expect(widget.getByTestId('cash-limits')).toContainText('500\u00a0000,00\u00a0₸');
  const terminal = page.getByRole('button', { name: 'Оплатить 5\u00a0000,00\u00a0₸ в терминале (имитация)' });
  await expect(terminal).toBeVisible();
  const progress = widget.getByTestId('cash-progress');
  await expect(progress).toHaveText('Ждём вашего платежа в терминале…');

  // The order is 12 990,00 ₸; each simulated payment is 5 000,00 ₸.
  await terminal.click();
  await expect(widget.getByText('Зачислено: 5\u00a0000,00\u00a0₸')).toBeVisible({ timeout: 15_000 });
  await expect(progress).toHaveText('Осталось оплатить: 7\u00a0990,00\u00a0₸. Ждём вашего платежа в терминале…');
  await terminal.click();
  await expect(progress).toHaveText('Осталось оплатить: 2\u00a0990,00\u00a0₸. Ждём вашего платежа в терминале…', { timeout: 15_000 });
  await terminal.click();
  await expect(progress).toHaveText('Оплачено полностью.', { timeout: 15_000 });

  // The host page heard of each deposit exactly once, by its own id.
  await expect(page.locator('#events li', { hasText: /^success / })).toHaveCount(3);
  const lines = await page.locator('#events li', { hasText: /^success / }).allTextContents();
  const announced = lines.map((line) => JSON.parse(line.slice('success '.length))).filter((d) => d.method === 'cash_in').map((d) => d.payment_id);
  expect(announced).toHaveLength(3);
  expect(new Set(announced).size).toBe(3);
});
