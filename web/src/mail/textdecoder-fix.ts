// Chromium keeps ISO-2022-JP decoder state across non-streaming decode()
// calls: after decoding text that ends in ESC ( B, the next decode() of text
// starting with ESC $ B begins with U+FFFD. The Encoding Standard says a
// non-streaming decode starts fresh. postal-mime caches one TextDecoder per
// charset, so every Japanese header or body after the first would show a
// stray U+FFFD. This wraps TextDecoder so the stateful encoding gets a fresh
// native decoder for each non-streaming call; other encodings are untouched.
// Install before postal-mime decodes anything (the worker imports it first).
const Native = globalThis.TextDecoder;

class FreshStateTextDecoder extends Native {
  override decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string {
    if (this.encoding === 'iso-2022-jp' && !options?.stream) {
      return new Native(this.encoding, { fatal: this.fatal, ignoreBOM: this.ignoreBOM }).decode(input);
    }
    return super.decode(input, options);
  }
}

export function installTextDecoderFix(): void {
  if (globalThis.TextDecoder === Native) globalThis.TextDecoder = FreshStateTextDecoder;
}

installTextDecoderFix();
