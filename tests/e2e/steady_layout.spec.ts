import { expect, test } from '@playwright/test';
import { TEXT } from './fixtures/checkout';

// The page must not jump while the widget loads: a CSS-only placeholder of the phone form's
// height is there from the first paint (kz-mobile-checkout.css), the loading skeleton keeps it,
// then the form takes its place. Measured by the element's height in every frame until the form
// is there, and, where the demo shop's own text does not change language at start (ru, its
// page's language), by Chromium's layout shifts of the whole page.
// Both with the first screen the backend drew in the page (the demo shop's default) and without.
for (const locale of ['kk', 'ru', 'en'] as const) {
  for (const [width, drawn] of [[360, 'page'], [520, 'page'], [360, 'none'], [520, 'none']] as const) {
    test(`the page does not jump while the widget loads (${locale}, ${width} px, first screen: ${drawn})`, async ({ page }) => {
      await page.setViewportSize({ width, height: 900 });
      await page.addInitScript(() => {
        const w = window as any;
        w.__shift = 0;
        w.__heights = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as any[]) if (!entry.hadRecentInput) w.__shift += entry.value;
        }).observe({ type: 'layout-shift', buffered: true });
        const watch = () => {
          const element = document.querySelector('kz-mobile-checkout');
          if (element && document.body.contains(element)) w.__heights.push(element.getBoundingClientRect().height);
          if (!document.querySelector('kz-mobile-checkout [data-testid=checkout] input[type=tel]')) requestAnimationFrame(watch);
        };
        requestAnimationFrame(watch);
      });
      await page.goto(`/?locale=${locale}&first_screen=${drawn}`);
      await expect(page.getByTestId('checkout').getByLabel(TEXT.phone[locale])).toBeVisible();
      await page.waitForTimeout(200); // the form's last frame, and the shifts' entries
      const { shift, heights } = await page.evaluate(() => ({ shift: (window as any).__shift, heights: (window as any).__heights as number[] }));
      const final = await page.locator('kz-mobile-checkout').evaluate((e) => e.getBoundingClientRect().height);
      // From the first frame: never more than 12 px from the form's own height.
      expect(heights.length, 'frames watched while loading').toBeGreaterThan(0);
      for (const height of heights) expect(Math.abs(height - final), `heights ${[...new Set(heights.map(Math.round))]}`).toBeLessThanOrEqual(12);
      if (locale === 'ru') expect(shift).toBeLessThan(0.02);
    });
  }
}
