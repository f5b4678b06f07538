// How many raw messages the page's IndexedDB holds: the benchmarks' finish
// line ("downloaded" means committed to the offline store).
import type { Page } from 'playwright-core';

export function storedMessages(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((res) => {
        const r = indexedDB.open('pop3ws-mail');
        r.onerror = () => res(0);
        r.onsuccess = () => {
          const c = r.result.transaction('raw').objectStore('raw').count();
          c.onsuccess = () => {
            r.result.close();
            res(c.result);
          };
        };
      }),
  );
}

/**
 * Waits until a status region's text matches `pattern`, checked on every
 * animation frame in the page. Playwright's own locator.waitFor polls at
 * growing intervals (up to about half a second), which would add its polling
 * delay to a timed phase.
 */
export async function statusShows(page: Page, pattern: RegExp, timeout = 600_000): Promise<void> {
  await page.waitForFunction(
    ({ source, flags }) => {
      const re = new RegExp(source, flags);
      return [...document.querySelectorAll('[role=status]')].some((e) => re.test((e.textContent ?? '').trim()));
    },
    { source: pattern.source, flags: pattern.flags },
    { polling: 'raf', timeout },
  );
}
