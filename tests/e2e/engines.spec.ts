import { ChildProcess } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { Builder, By, Condition, WebDriver, WebElement, error as webdriverError } from 'selenium-webdriver';
import { randomPhone, smsCode } from './fixtures/checkout';

// The main journeys in the three browser engines a customer's phone can have: Chromium (Android's
// Chrome), Gecko (Firefox) and WebKit (every browser on an iPhone), over W3C WebDriver with one
// client (selenium-webdriver) for all three drivers (fixtures/webdriver.cjs says which and why).
// The sandbox, the backend and the release widget are the suite's own (global-setup.ts).

// The engines and their drivers, shared with `make bench` (scripts/bench_engines.mjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ENGINES, startDriver, stopDriver } = require('./fixtures/webdriver.cjs');
type Engine = { name: string; capabilities: Record<string, unknown> };

/** Waits until `find` returns something truthy; fails with `what` after `ms`. */
async function until<T>(driver: WebDriver, what: string, find: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  return driver.wait(new Condition(what, async () => {
    try {
      return (await find()) || null;
    } catch (error) {
      // An element gone or not there yet while the screen changes; anything else (a dead
      // driver above all) is not waited out.
      if (error instanceof webdriverError.StaleElementReferenceError || error instanceof webdriverError.NoSuchElementError) return null;
      throw error;
    }
  }), ms) as Promise<T>;
}

/** The first displayed element matching `css`, waited for. */
function shown(driver: WebDriver, css: string, ms?: number): Promise<WebElement> {
  return until(driver, `${css} to be shown`, async () => {
    for (const element of await driver.findElements(By.css(css))) if (await element.isDisplayed()) return element;
    return null;
  }, ms);
}

/** Waits until the element matching `css` has text matching `pattern`. */
function textOf(driver: WebDriver, css: string, pattern: RegExp, ms?: number): Promise<string> {
  return until(driver, `${css} to say ${pattern}`, async () => {
    const text = await (await driver.findElement(By.css(css))).getText();
    return pattern.test(text) ? text : null;
  }, ms);
}

/** Types the phone, asks for the code and returns the code field. */
async function askForCode(driver: WebDriver, phone: string): Promise<WebElement> {
  await driver.get(`${process.env.E2E_BASE}/?locale=en`);
  await (await shown(driver, 'kz-mobile-checkout [data-testid=phone]')).sendKeys(phone.replace(/\s/g, ''));
  await (await shown(driver, 'kz-mobile-checkout [data-testid=submit]')).click();
  return shown(driver, 'kz-mobile-checkout [data-testid=otp]', 20_000);
}

/** The browser's console errors. Only chromedriver serves the log (a Chromium extension of
 * WebDriver); geckodriver and WebKitWebDriver have no such endpoint, so the check runs there only. */
async function consoleErrors(driver: WebDriver): Promise<string[]> {
  const entries = await driver.manage().logs().get('browser');
  return entries.filter((e) => e.level.name === 'SEVERE').map((e) => e.message);
}

type Driver = { url: string; process: ChildProcess; gone: () => string | null };

/**
 * A journey in `engine` with a driver and browser of its own. Should the WebDriver server itself
 * die mid-journey (a crash of the test's machinery, which a page cannot cause: the browser's own
 * crash is an error the driver reports, and fails the test), the journey runs once more on a new
 * driver, and the death is written to the log and the test's annotations.
 */
function journey(engine: Engine, title: string, body: (driver: WebDriver) => Promise<void>) {
  test(`${title} (${engine.name})`, async () => {
    for (let attempt = 1; ; attempt++) {
      const server: Driver = await startDriver(engine);
      let driver: WebDriver | undefined;
      try {
        driver = await new Builder().usingServer(server.url).withCapabilities(engine.capabilities).build();
        await driver.manage().setTimeouts({ pageLoad: 30_000, script: 10_000 });
        await body(driver);
        return;
      } catch (error) {
        await new Promise((settle) => setTimeout(settle, 250)); // for the driver's exit to be heard
        const gone = server.gone();
        if (gone === null) throw error;
        if (attempt === 2) throw new Error(`${gone}\n(twice; the journey's own error: ${error})`);
        console.warn(`engines: ${engine.name}'s driver died during "${title}"; once more on a new one.\n${gone}`);
        test.info().annotations.push({ type: 'driver died', description: gone });
      } finally {
        if (server.gone() === null) await driver?.quit().catch(() => undefined);
        stopDriver(server.process);
      }
    }
  });
}

for (const engine of ENGINES as Engine[]) {
  test.describe(`in ${engine.name}`, () => {
    journey(engine, 'pays with the code', async (driver) => {
      const phone = randomPhone('707');
      const code = await askForCode(driver, phone);
      // Each of the widget's files came down once (a preload an engine does not reuse would
      // make it twice).
      const downloads = await driver.executeScript(
        "return performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => /^kz-mobile-checkout/.test(n))",
      ) as string[];
      for (const file of ['kz-mobile-checkout_bg.wasm', 'kz-mobile-checkout.js', 'kz-mobile-checkout-loader.js']) {
        expect(downloads.filter((name) => name === file), `${file} in ${downloads}`).toHaveLength(1);
      }
      await textOf(driver, 'kz-mobile-checkout [data-testid=countdown]', /^0[01]:\d\d$/);
      await code.sendKeys(await smsCode(phone));
      await textOf(driver, 'kz-mobile-checkout [data-testid=result] h2', /^Payment complete$/);
      expect(await (await driver.findElement(By.css('kz-mobile-checkout [data-testid=result]'))).getAttribute('data-state')).toBe('succeeded');
      if (engine.name === 'chromium') expect(await consoleErrors(driver)).toEqual([]);
    });

    journey(engine, 'refuses a wrong code, then pays with the right one', async (driver) => {
      const phone = randomPhone('775');
      const field = await askForCode(driver, phone);
      const right = await smsCode(phone);
      await field.sendKeys(right === '000000' ? '111111' : '000000');
      await textOf(driver, 'kz-mobile-checkout [data-testid=otp-error]', /That code is not right/);
      // The field is emptied and keeps the focus, so the customer types the right code at once.
      await until(driver, 'the code field to be empty', async () => (await (await shown(driver, 'kz-mobile-checkout [data-testid=otp]')).getAttribute('value')) === '');
      expect(await driver.executeScript('return document.activeElement && document.activeElement.dataset.testid')).toBe('otp');
      await driver.switchTo().activeElement().sendKeys(right);
      await textOf(driver, 'kz-mobile-checkout [data-testid=result] h2', /^Payment complete$/);
    });

    journey(engine, 'opens the Payment Page with the forced operator', async (driver) => {
      await driver.get(`${process.env.E2E_BASE}/?mode=payment_page&locale=en`);
      await (await shown(driver, 'kz-mobile-checkout [data-testid=operator-TELE2] input')).click();
      await (await shown(driver, 'kz-mobile-checkout [data-testid=submit]')).click();
      const frame = await shown(driver, '[data-epay-modal] iframe', 20_000);
      expect(await frame.getAttribute('title')).toBe('Payment Page');
      await driver.switchTo().frame(frame);
      const operator = await shown(driver, '#operator');
      expect(await operator.getAttribute('value')).toBe('TELE2');
      expect(await operator.isEnabled()).toBe(false);
      await shown(driver, 'input[type=tel]');
      await driver.switchTo().defaultContent();
    });

    journey(engine, 'shows a live cash-in deposit', async (driver) => {
      await driver.get(`${process.env.E2E_BASE}/?mode=cash_in&locale=en`);
      await textOf(driver, 'kz-mobile-checkout [data-testid=cash-progress]', /Waiting for your payment at the terminal/);
      await (await shown(driver, '#terminal')).click();
      // The deposit arrives over the live stream (or the poll behind it) with no reload.
      await textOf(driver, 'kz-mobile-checkout [data-testid=deposits]', /5,000\.00/, 20_000);
      await textOf(driver, 'kz-mobile-checkout [data-testid=cash-progress]', /Left to pay: ₸7,990\.00/);
    });
  });
}
