// Runs the web app's tests with node's own test runner. The TypeScript test
// files are bundled by esbuild (already a dependency of Vite) into
// .test-build/, because Node 20 cannot load TypeScript itself.
// Usage: node tests/run.mjs [unit|browser|browser/FILE.test.ts]...   (default: unit browser)
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(web, '.test-build');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'browser'];

rmSync(out, { recursive: true, force: true });
const entries = [];
for (const suite of suites) {
  // A single file (browser/mail.test.ts) or a suite directory (unit, browser).
  if (suite.endsWith('.test.ts')) {
    entries.push(join(web, 'tests', suite));
    continue;
  }
  const dir = join(web, 'tests', suite);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.test.ts')) entries.push(join(dir, f));
  }
}
await build({
  entryPoints: entries,
  outdir: out,
  outbase: join(web, 'tests'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
const files = entries.map((e) => join(out, e.slice(join(web, 'tests').length + 1).replace(/\.ts$/, '.mjs')));
const pattern = process.env.TEST_PATTERN ? [`--test-name-pattern=${process.env.TEST_PATTERN}`] : [];
const r = spawnSync(process.execPath, ['--test', ...pattern, '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  cwd: web,
});
process.exit(r.status ?? 1);
