import AxeBuilder from '@axe-core/playwright';
import { expect, Page, Route, test } from '@playwright/test';
import { Locale, randomPhone, ResultScreen, smsCode, TEXT } from './fixtures/checkout';

// The first screen drawn by the backend (README "Embedding"): in the shop's page (the demo shop
// writes it in), or drawn by the loader with the session's first answer. The customer types and
// picks before the wasm may load (the test holds it), and the widget takes over exactly that.
// The same in Firefox ESR and WebKitGTK: engines.spec.ts.

const GETTING_READY = { kk: 'Дайындалуда…', ru: 'Подготавливаем…', en: 'Getting ready…' } as const;

/** Holds every request for the wasm until `release()`. */
async function holdTheWasm(page: Page): Promise<{ release: () => void; asked: Promise<void> }> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let asked = () => {};
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  await page.route('**/*.wasm', async (route: Route) => {
    asked();
    await released;
    await route.continue();
  });
  return { release, asked: wasAsked };
}

/** Every mark of `name` in the page's User Timing. */
async function marks(page: Page, name: string): Promise<number[]> {
  return page.evaluate((n) => performance.getEntriesByName(n).map((e) => e.startTime), name);
}

for (const path of ['page', 'loader'] as const) {
  test(`a customer types on the first screen before the wasm, and the widget keeps it (${path})`, async ({ page }) => {
    const wasm = await holdTheWasm(page);
    await page.goto(`/?locale=en&first_screen=${path}`);
    // Every load of the page from here on (Enter sending the drawn form away would be one).
    let navigations = 0;
    page.on('request', (request) => navigations += request.isNavigationRequest() && request.frame() === page.mainFrame() ? 1 : 0);
    const drawn = page.getByTestId('first-screen');
    await expect(drawn).toBeVisible();
    await wasm.asked;
    // The drawn form: its button waits for the widget, and pressing Enter sends nothing away.
    await expect(drawn.getByRole('button', { name: GETTING_READY.en })).toBeDisabled();
    const phone = drawn.getByLabel(TEXT.phone.en);
    const number = randomPhone('705');
    // Typed as many do, without the country code.
    const typed = number.replace(/\D/g, '').slice(1);
    await phone.pressSequentially(typed);
    await drawn.getByRole('radio', { name: 'Beeline' }).check();
    await phone.press('Enter');
    expect(new URL(page.url()).searchParams.get('first_screen')).toBe(path);
    // The caret between the 5th and 6th digit typed.
    await phone.focus();
    await phone.evaluate((input: HTMLInputElement) => input.setSelectionRange(5, 5));
    expect(await marks(page, 'kz-mobile-checkout:first-screen')).toHaveLength(1);
    expect(await marks(page, 'kz-mobile-checkout:interactive')).toHaveLength(0);

    wasm.release();
    const widget = page.getByTestId('checkout');
    await expect(widget).toHaveAttribute('data-screen', 'form');
    await expect(drawn).toHaveCount(0);
    const taken = widget.getByLabel(TEXT.phone.en);
    // Formatted as the widget formats it; the operator as chosen (the prefix suggests Altel).
    await expect(taken).toHaveValue(number.replace(/^\+7 (\d{3}) (\d{3}) (\d\d) (\d\d)$/, '$1 $2 $3 $4'));
    await expect(widget.getByRole('radio', { name: 'Beeline' })).toBeChecked();
    await expect(taken).toBeFocused();
    // "70512|…" as typed is "705 12|…" formatted: after the same five digits.
    const caret = await taken.evaluate((input: HTMLInputElement) => input.selectionStart);
    expect((await taken.inputValue()).slice(0, caret!).replace(/\D/g, '')).toBe(typed.slice(0, 5));
    expect(await marks(page, 'kz-mobile-checkout:first-screen')).toHaveLength(1);
    expect(await marks(page, 'kz-mobile-checkout:interactive')).toHaveLength(1);
    expect(navigations, 'Enter on the drawn form loaded nothing').toBe(0);

    await widget.getByRole('button', { name: TEXT.getCode.en }).click();
    await widget.getByLabel(TEXT.otp.en).fill(await smsCode(number));
    await expect(new ResultScreen(page, 'en').heading(TEXT.paid.en)).toBeVisible();
  });
}

test('the drawn form and the widget hold the same height, so nothing moves when it takes over', async ({ page }) => {
  const wasm = await holdTheWasm(page);
  await page.goto('/?locale=ru');
  const drawn = page.getByTestId('first-screen');
  await expect(drawn).toBeVisible();
  const before = await drawn.boundingBox();
  const help = await page.locator('.demo-help').first().boundingBox();
  wasm.release();
  const widget = page.getByTestId('checkout');
  await expect(widget.getByRole('button', { name: TEXT.getCode.ru })).toBeEnabled();
  expect(await widget.boundingBox()).toEqual(before);
  expect(await page.locator('.demo-help').first().boundingBox()).toEqual(help);
});

/** The accessible outline of a checkout root: roles, names, labels, structure; not ids. */
async function outline(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate((root) => {
    const lines: string[] = [];
    const walk = (node: Element, depth: number) => {
      const attributes = ['role', 'type', 'name', 'value', 'lang', 'inputmode', 'autocomplete', 'placeholder', 'aria-live', 'class', 'data-testid']
        .map((a) => (node.hasAttribute(a) ? `${a}=${a === 'name' ? '…' : node.getAttribute(a)}` : ''))
        .filter(Boolean);
      const own = [...node.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE).map((c) => c.textContent!.trim()).join('');
      const labelled = node.id && root.querySelector(`label[for="${node.id}"]`);
      const described = (node.getAttribute('aria-describedby') || '').split(' ').filter(Boolean).map((id) => root.querySelector(`[id="${id}"]`)?.textContent);
      lines.push(`${'  '.repeat(depth)}${node.tagName.toLowerCase()} ${attributes.join(' ')}${own ? ` "${own}"` : ''}${labelled ? ` label="${labelled.textContent}"` : ''}${described.length ? ` described=${JSON.stringify(described)}` : ''}`);
      for (const child of node.children) walk(child, depth + 1);
    };
    walk(root, 0);
    return lines.join('\n');
  });
}

for (const locale of ['kk', 'ru', 'en'] as const) {
  test(`the drawn first screen is the widget's first screen (${locale})`, async ({ page }) => {
    const wasm = await holdTheWasm(page);
    await page.goto(`/?locale=${locale}`);
    await expect(page.getByTestId('first-screen')).toBeVisible();
    const drawn = (await outline(page, 'first-screen'))
      .replace(GETTING_READY[locale], TEXT.getCode[locale])
      .replace(/ data-testid=first-screen/, ' data-testid=checkout');
    // A customer may use it before the widget runs: no serious accessibility problem either.
    const report = await new AxeBuilder({ page }).include('[data-testid=first-screen]').analyze();
    expect(report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    wasm.release();
    const widget = page.getByTestId('checkout');
    await expect(widget.getByRole('button', { name: TEXT.getCode[locale] })).toBeEnabled();
    // Only the widget's button differs: enabled, and so not busy.
    expect((await outline(page, 'checkout')).replace(/\n +p class=kzc-visually-hidden.*$/m, '')).toEqual(drawn.replace(/\n +p class=kzc-visually-hidden.*$/m, ''));
  });
}

test('without a first screen (first-screen="none") the widget draws its own, as before', async ({ page }) => {
  await page.goto('/?locale=kk&first_screen=none');
  const widget = page.getByTestId('checkout');
  await expect(widget.getByRole('button', { name: TEXT.getCode.kk })).toBeEnabled();
  await expect(page.getByTestId('first-screen')).toHaveCount(0);
  expect(await marks(page, 'kz-mobile-checkout:first-screen')).toHaveLength(1);
  expect(await marks(page, 'kz-mobile-checkout:interactive')).toHaveLength(1);
});

test('a session whose first screen is not the form gets none, and the widget resumes it', async ({ page }) => {
  const locale: Locale = 'en';
  await page.goto(`/?locale=${locale}`);
  const widget = page.getByTestId('checkout');
  const number = randomPhone('707');
  await widget.getByLabel(TEXT.phone[locale]).fill(number);
  await widget.getByRole('button', { name: TEXT.getCode[locale] }).click();
  await expect(widget.getByLabel(TEXT.otp[locale])).toBeVisible();
  // The address keeps the order: the reload is the same session, now on its code screen.
  await page.reload();
  await expect(page.getByTestId('checkout').getByLabel(TEXT.otp[locale])).toBeVisible();
  await expect(page.getByTestId('first-screen')).toHaveCount(0);
});
