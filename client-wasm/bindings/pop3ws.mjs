// A friendlier JS layer over the embind Session (session_bindings.cpp).
// It keeps the one-copy input path, copies body chunks and output out of
// WASM memory exactly once, and frees the C++ object on close().
// Types: pop3ws.d.mts.

// Largest single write into the session: bounded by the codec's own input
// limit (Settings::max_buffered_input, 1 MiB by default), so a big WebSocket
// frame is fed in slices with events drained in between.
const FEED_SLICE = 64 * 1024;

/**
 * Instantiates the Emscripten module.
 * @param {(opts?: object) => Promise<any>} factory  default export of pop3ws_codec.mjs
 * @param {object} [moduleOptions]  e.g. {locateFile} or {wasmBinary}
 */
export async function loadCodec(factory, moduleOptions = {}) {
  const module = await factory(moduleOptions);
  return {
    module,
    /** @param {object} [settings] */
    createSession(settings = {}) {
      return new Pop3Session(new module.Session(settings));
    },
  };
}

export class Pop3Session {
  /** @param {any} raw embind Session */
  constructor(raw) {
    this.raw = raw;
  }

  /**
   * Feeds received bytes. Calls onEvent for every event they complete, in
   * order. Returns null, or the error that stopped the feed.
   * @param {Uint8Array} bytes
   * @param {(ev: object) => void} onEvent
   */
  feed(bytes, onEvent) {
    for (let off = 0; off < bytes.length; ) {
      const n = Math.min(FEED_SLICE, bytes.length - off);
      const r = this.raw.inputView(n);
      if (r.error) return r.error;
      // The view is WASM memory: filled here, committed, then dropped before
      // any other call can grow memory and detach it.
      r.view.set(bytes.subarray(off, off + n));
      const err = this.raw.commitInput(n);
      if (err) return err;
      off += n;
      this.drain(onEvent);
    }
    return null;
  }

  /** The server closed the connection. */
  eof(onEvent) {
    this.raw.receiveEof();
    this.drain(onEvent);
  }

  /** Pulls every pending event, copying body data out of WASM memory. */
  drain(onEvent) {
    for (;;) {
      const ev = this.raw.nextEvent();
      if (ev.type === 'need-data') return;
      if (ev.type === 'body') ev.data = ev.data.slice();
      onEvent(ev);
    }
  }

  /** Bytes to send now (a copy), marked as consumed. Empty when none. */
  takeOutput() {
    const view = this.raw.pendingOutput();
    if (view.length === 0) return new Uint8Array(0);
    const out = view.slice();
    this.raw.consumeOutput(out.length);
    return out;
  }

  get state() { return this.raw.state(); }
  get capabilities() { return this.raw.capabilities(); }
  get failure() { return this.raw.failure(); }
  get inFlight() { return this.raw.inFlight(); }
  get outstanding() { return this.raw.outstanding(); }
  get pipeliningActive() { return this.raw.pipeliningActive(); }
  get apopTimestamp() { return this.raw.apopTimestamp(); }

  setLink(encrypted, loopback) { this.raw.setLink(encrypted, loopback); }
  tlsEstablished() { return this.raw.tlsEstablished(); }
  login(req) { return this.raw.login(req); }
  user(name) { return this.raw.user(name); }
  pass(pw) { return this.raw.pass(pw); }
  apop(name, secret) { return this.raw.apop(name, secret); }
  stat() { return this.raw.stat(); }
  list(message) { return this.raw.list(message ?? null); }
  uidl(message) { return this.raw.uidl(message ?? null); }
  retr(message) { return this.raw.retr(message); }
  top(message, lines) { return this.raw.top(message, lines); }
  dele(message) { return this.raw.dele(message); }
  noop() { return this.raw.noop(); }
  rset() { return this.raw.rset(); }
  quit() { return this.raw.quit(); }
  capa() { return this.raw.capa(); }
  stls() { return this.raw.stls(); }
  utf8() { return this.raw.utf8(); }
  submitLine(line) { return this.raw.submitLine(line); }

  /** Transcript entries pulled so far (needs settings.transcriptCapacity > 0). */
  takeTranscript() {
    const out = [];
    for (let e = this.raw.nextTranscriptEntry(); e !== null; e = this.raw.nextTranscriptEntry()) {
      out.push(e);
    }
    return out;
  }

  /** Frees the C++ session; the object is unusable afterwards. */
  close() {
    if (this.raw) {
      this.raw.delete();
      this.raw = null;
    }
  }
}
