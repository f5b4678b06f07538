// The HTML mail renderer (src/mail/render.ts) fed hostile markup directly in
// Chromium. The outer page has no CSP of its own here, so only our layers
// (DOMPurify, the iframe sandbox, the srcdoc CSP) stand between the markup
// and a trap server that records every request it gets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { WEB, freePort, launchBrowser, newContext } from './support';

let browser: Browser;
let page: Page;
let server: Server;
let origin = '';
const hits: string[] = [];

// Each payload tries to run script or reach TRAP (the trap server).
const PAYLOADS: Record<string, string> = {
  script: `<script>parent.pwned=1;fetch('TRAP/script')</script>`,
  onerror: `<img src=x onerror="fetch('TRAP/onerror')">`,
  onload: `<body onload="fetch('TRAP/onload')"><svg onload="fetch('TRAP/svgonload')"></svg>`,
  jsLink: `<a id=l href="javascript:fetch('TRAP/js')">x</a><a href="jav&#x09;ascript:fetch('TRAP/js2')">y</a>`,
  svgScript: `<svg><script>fetch('TRAP/svgscript')</script><a xlink:href="javascript:fetch('TRAP/svgjs')"><rect/></a></svg>`,
  mathMxss: `<math><mtext><table><mglyph><style><img src=x onerror="fetch('TRAP/mxss')">`,
  remoteImg: `<img src="TRAP/img.png"><img srcset="TRAP/srcset.png 1x"><video poster="TRAP/poster.png"></video>`,
  cssImport: `<style>@import url("TRAP/import.css"); body{background:url("TRAP/bg.png")}</style><div style="background-image:url('TRAP/inline.png')">s</div>`,
  tableBackground: `<table background="TRAP/table.png"><tr><td background="TRAP/td.png">t</td></tr></table>`,
  link: `<link rel=stylesheet href="TRAP/link.css"><link rel=prefetch href="TRAP/prefetch">`,
  metaRefresh: `<meta http-equiv="refresh" content="0;url=TRAP/refresh">`,
  base: `<base href="TRAP/base/"><img src="relative.png">`,
  form: `<form action="TRAP/form"><input name=a value=b><button id=b>go</button></form><button form=f formaction="TRAP/formaction">x</button>`,
  frames: `<iframe src="TRAP/iframe"></iframe><iframe srcdoc="<script>fetch('TRAP/srcdoc')</script>"></iframe><object data="TRAP/object"></object><embed src="TRAP/embed">`,
  audio: `<audio src="TRAP/audio.mp3" autoplay></audio><source src="TRAP/source">`,
  ping: `<a href="https://example.invalid/" ping="TRAP/ping">p</a>`,
  dataHtml: `<a href="data:text/html,<script>fetch('TRAP/data')</script>">d</a><img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='fetch(&quot;TRAP/datasvg&quot;)'/>">`,
};

before(async () => {
  const bundle = await build({
    entryPoints: [join(WEB, 'src', 'mail', 'render.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'mailRender',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const js = bundle.outputFiles[0]?.text ?? '';
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset=utf-8><script src="/render.js"></script><div id=out></div>');
    } else if (req.url === '/render.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else {
      if (req.url?.startsWith('/trap/')) hits.push(req.url);
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  page.on('dialog', (d) => void d.dismiss());
  await page.goto(origin + '/');
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

async function render(html: string, remote: boolean): Promise<string> {
  return page.evaluate(
    ({ html, remote }) => {
      const w = window as unknown as {
        mailRender: { sanitizeHtml: (h: string, i: unknown[], r: boolean) => { srcdoc: string }; IFRAME_SANDBOX: string };
      };
      const r = w.mailRender.sanitizeHtml(html, [], remote);
      const f = document.createElement('iframe');
      f.setAttribute('sandbox', w.mailRender.IFRAME_SANDBOX);
      f.srcdoc = r.srcdoc;
      document.getElementById('out')?.appendChild(f);
      return r.srcdoc;
    },
    { html, remote },
  );
}

test('hostile markup: nothing runs, nothing reaches the network', async () => {
  for (const [name, payload] of Object.entries(PAYLOADS)) {
    const srcdoc = await render(payload.replaceAll('TRAP', `${origin}/trap/${name}`), false);
    // What the iframe will parse: no handler attributes, no script or
    // javascript: URLs, no elements that load or navigate.
    const bad = await page.evaluate((doc) => {
      const d = new DOMParser().parseFromString(doc, 'text/html');
      const found: string[] = [];
      for (const el of d.querySelectorAll('body *')) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'iframe', 'object', 'embed', 'form', 'base', 'link', 'meta', 'audio', 'video', 'source'].includes(tag)) found.push(tag);
        for (const a of el.getAttributeNames()) {
          const v = el.getAttribute(a) ?? '';
          if (a.startsWith('on')) found.push(`${tag}[${a}]`);
          if (/^\s*javascript:/i.test(v)) found.push(`${tag}[${a}=javascript:]`);
        }
      }
      return found;
    }, srcdoc);
    assert.deepEqual(bad, [], `${name}: ${bad.join(', ')}`);
  }
  // Clicks on what is left of the links and buttons.
  for (const f of page.frames().slice(1)) {
    for (const el of await f.locator('a, button').all()) await el.click({ timeout: 1000 }).catch(() => undefined);
  }
  await page.waitForTimeout(1500);
  assert.deepEqual(hits, []);
  assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
});

test('control: the trap sees a remote image once the reader allows remote images', async () => {
  hits.length = 0;
  await render(`<img src="${origin}/trap/allowed.png">`, true);
  for (let i = 0; i < 50 && hits.length === 0; i++) await page.waitForTimeout(100);
  assert.deepEqual(hits, ['/trap/allowed.png']);
});
