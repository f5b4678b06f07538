// Loads the POP3 codec (WebAssembly) built by the wasm CMake preset. The
// build copies pop3ws_codec.mjs/.wasm into src/codec/generated/ (see
// vite.config.ts); import.meta.glob lets the app build, and say so plainly
// at run time, when that step has not happened.
import { loadCodec, type CodecFactory, type Pop3Session } from '../../../client-wasm/bindings/pop3ws.mjs';

const factories = import.meta.glob<CodecFactory>('../codec/generated/pop3ws_codec.mjs', { import: 'default' });
const wasmUrls = import.meta.glob<string>('../codec/generated/pop3ws_codec.wasm', {
  query: '?url',
  import: 'default',
  eager: true,
});

let loaded: Promise<Awaited<ReturnType<typeof loadCodec>>> | null = null;

export function codecAvailable(): boolean {
  return Object.keys(factories).length > 0;
}

/** `allowInsecureAuth`: the user insisted on sending the password over a clear-text leg (protocol/link.ts). */
export async function createSession(transcript: boolean, pipelining: 'auto' | 'off' = 'auto', allowInsecureAuth = false): Promise<Pop3Session> {
  if (!loaded) {
    const load = Object.values(factories)[0];
    const wasmUrl = Object.values(wasmUrls)[0];
    if (!load || !wasmUrl) throw new Error('codec-missing');
    loaded = load().then((factory) => loadCodec(factory, { locateFile: () => wasmUrl }));
  }
  const codec = await loaded;
  return codec.createSession({ transcriptCapacity: transcript ? 2000 : 0, pipelining, allowInsecureAuth });
}
