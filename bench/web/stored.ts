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
