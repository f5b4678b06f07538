// Vite build of the web app. The POP3 codec arrives as an Emscripten ES module
// (pop3ws_codec.mjs + .wasm) built by the WebAssembly CMake preset; the
// worker imports it from src/codec/generated/, which copyCodec() fills from
// the wasm build directory (POP3WS_WASM_DIR, default build/wasm/client-wasm/bindings).
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wasmDir = resolve(here, '..', process.env.POP3WS_WASM_DIR ?? 'build/wasm/client-wasm/bindings');
const generated = resolve(here, 'src/codec/generated');

function copyCodec(): Plugin {
  return {
    name: 'pop3ws-copy-codec',
    buildStart() {
      mkdirSync(generated, { recursive: true });
      for (const f of ['pop3ws_codec.mjs', 'pop3ws_codec.wasm']) {
        const src = resolve(wasmDir, f);
        if (existsSync(src)) copyFileSync(src, resolve(generated, f));
      }
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [copyCodec(), preact()],
  worker: { format: 'es' },
  assetsInclude: ['**/*.wasm'],
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
