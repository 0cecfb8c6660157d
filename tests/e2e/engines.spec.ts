import { ChildProcess } from 'node:child_process';
import http from 'node:http';
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

/** Types the phone, asks for the code and returns the code field. The widget's own form, once it
 * runs (the first screen the backend drew is the journey below). */
async function askForCode(driver: WebDriver, phone: string): Promise<WebElement> {
  await driver.get(`${process.env.E2E_BASE}/?locale=en`);
  await (await shown(driver, 'kz-mobile-checkout [data-testid=checkout] [data-testid=phone]')).sendKeys(phone.replace(/\s/g, ''));
  await (await shown(driver, 'kz-mobile-checkout [data-testid=submit]')).click();
  return shown(driver, 'kz-mobile-checkout [data-testid=otp]', 20_000);
}

/** A proxy in front of the backend that holds every request for the wasm until `release()`. */
async function wasmHoldingProxy(): Promise<{ url: string; asked: () => boolean; release: () => void; hold: () => void; close: () => void }> {
  const backend = new URL(process.env.E2E_BASE!);
  let release = () => {};
  let released = Promise.resolve();
  let asked = false;
  const hold = () => {
    asked = false;
    released = new Promise<void>((resolve) => (release = resolve));
  };
  hold();
  const server = http.createServer(async (request, response) => {
    if (request.url!.split('?')[0].endsWith('.wasm')) {
      asked = true;
      await released;
    }
    const upstream = http.request({ host: backend.hostname, port: backend.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, asked: () => asked, release: () => release(), hold, close: () => server.close() };
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

    // The first screen the backend drew, in the page and from the loader: typed on and chosen
    // before the wasm may arrive, then taken over by the widget with nothing lost.
    journey(engine, 'keeps what was typed on the first screen before the wasm', async (driver) => {
      const proxy = await wasmHoldingProxy();
      try {
        for (const path of ['page', 'loader']) {
          proxy.hold();
          await driver.get(`${proxy.url}/?locale=en&first_screen=${path}`);
          const phone = randomPhone('705');
          const typed = phone.replace(/\D/g, '').slice(1);
          const field = await shown(driver, 'kz-mobile-checkout [data-testid=first-screen] [data-testid=phone]');
          await field.sendKeys(typed);
          await (await shown(driver, 'kz-mobile-checkout [data-testid=first-screen] [data-testid=operator-BEELINE] input')).click();
          await field.click();
          await driver.executeScript('arguments[0].setSelectionRange(5, 5)', field);
          await until(driver, 'the wasm to be asked for', async () => proxy.asked());
          expect(await driver.findElements(By.css('kz-mobile-checkout [data-testid=checkout] [data-testid=phone]'))).toHaveLength(0);
          proxy.release();
          await shown(driver, 'kz-mobile-checkout [data-testid=checkout] [data-testid=phone]');
          const state = await driver.executeScript(`
            const root = document.querySelector('kz-mobile-checkout [data-testid=checkout]');
            const input = root.querySelector('[data-testid=phone]');
            return { value: input.value, caret: input.selectionStart, focused: document.activeElement === input,
              chosen: (root.querySelector('input[type=radio]:checked') || {}).value, drawn: document.querySelectorAll('[data-testid=first-screen]').length };
          `) as { value: string; caret: number; focused: boolean; chosen: string; drawn: number };
          expect(state, path).toEqual({ value: typed.replace(/^(\d{3})(\d{3})(\d\d)(\d\d)$/, '$1 $2 $3 $4'), caret: 6, focused: true, chosen: 'BEELINE', drawn: 0 });
          await (await shown(driver, 'kz-mobile-checkout [data-testid=submit]')).click();
          const code = await shown(driver, 'kz-mobile-checkout [data-testid=otp]', 20_000);
          await code.sendKeys(await smsCode(phone));
          await textOf(driver, 'kz-mobile-checkout [data-testid=result] h2', /^Payment complete$/);
        }
      } finally {
        proxy.release();
        proxy.close();
      }
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
