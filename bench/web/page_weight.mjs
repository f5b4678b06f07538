// Page weight (issue 4: WASM + JS + CSS, gzipped, at most 300 KB): every file
// the built app (web/dist) sends a first-time visitor, gzip level 9 as a
// server or CDN would send it, grouped by kind. Run after `npm run build`:
//   node bench/web/page_weight.mjs [web/dist]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const TARGET_BYTES = 300 * 1024;
const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist'));

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

const byKind = new Map();
let raw = 0;
let gz = 0;
for (const f of files(root)) {
  const bytes = readFileSync(f);
  const z = gzipSync(bytes, { level: 9 }).length;
  const kind = extname(f).slice(1) || 'other';
  const k = byKind.get(kind) ?? { raw: 0, gz: 0, files: [] };
  k.raw += bytes.length;
  k.gz += z;
  k.files.push(relative(root, f));
  byKind.set(kind, k);
  raw += bytes.length;
  gz += z;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const [kind, k] of [...byKind].sort((a, b) => b[1].gz - a[1].gz)) {
  console.log(`${kind.padEnd(5)} ${kb(k.gz).padStart(9)} gzipped (${kb(k.raw)} raw): ${k.files.join(', ')}`);
}
console.log(`total ${kb(gz).padStart(9)} gzipped (${kb(raw)} raw); target ${kb(TARGET_BYTES)}: ${gz <= TARGET_BYTES ? 'met' : 'NOT met'}`);
process.exit(gz <= TARGET_BYTES ? 0 : 1);
