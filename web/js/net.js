// The dashboard's connection to the server it was loaded from: REST reads (public, or signed
// with a regulator's key as API.md "Authentication" says) and one WebSocket on /v1/stream that
// reconnects by itself, re-subscribes, and re-subscribes a channel whose seq skips (a gap).

const enc = new TextEncoder();

async function hmacHex(secret, message) {
  const key = await crypto.subtle.importKey(
    'raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(message)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('');
}

// GET `path`: {status, body} (body: parsed JSON or null). Never throws: a network failure is
// status 0. With `creds` ({key, secret}) the request is signed.
export async function get(path, creds) {
  const headers = {};
  if (creds) {
    const ts = String(Date.now());
    headers['CUX-KEY'] = creds.key;
    headers['CUX-TS'] = ts;
    headers['CUX-SIGN'] = await hmacHex(creds.secret, ts + 'GET' + path);
  }
  try {
    const r = await fetch(path, { headers, cache: 'no-store' });
    let body = null;
    try { body = await r.json(); } catch (_) { body = null; }
    return { status: r.status, body };
  } catch (_) {
    return { status: 0, body: null };
  }
}

export async function authMessage(creds) {
  const ts = Date.now();
  return { op: 'auth', key: creds.key, ts, sign: await hmacHex(creds.secret, ts + 'GET/v1/stream') };
}

// The stream. `on(channel, fn)` subscribes and calls fn(message) for each channel message;
// `off(channel)` unsubscribes. onState(state) hears 'connecting' | 'live' | 'down';
// onError(channel, error) hears a refused subscription (e.g. a channel not served yet).
export class Stream {
  constructor({ onState, onError }) {
    this.handlers = new Map();   // channel -> fn
    this.lastSeq = new Map();    // channel -> seq
    this.onState = onState || (() => {});
    this.onError = onError || (() => {});
    this.creds = null;
    this.ws = null;
    this.retryMs = 500;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.onState('connecting');
    const ws = new WebSocket(`${scheme}//${location.host}/v1/stream`);
    this.ws = ws;
    ws.onopen = async () => {
      this.retryMs = 500;
      this.onState('live');
      if (this.creds) ws.send(JSON.stringify(await authMessage(this.creds)));
      for (const ch of this.handlers.keys()) this.sendSub('subscribe', ch);
    };
    ws.onmessage = (ev) => this.dispatch(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onState('down');
      this.lastSeq.clear();
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    };
  }

  sendSub(op, channel) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      // One channel per op, named in req_id, so a refused one does not take the others along.
      this.ws.send(JSON.stringify({ op, channels: [channel], req_id: channel.slice(0, 64) }));
    }
  }

  async authenticate(creds) {
    this.creds = creds;
    if (creds && this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(await authMessage(creds)));
    }
  }

  on(channel, fn) {
    const had = this.handlers.has(channel);
    this.handlers.set(channel, fn);
    if (!had) this.sendSub('subscribe', channel);
  }

  off(channel) {
    if (!this.handlers.delete(channel)) return;
    this.lastSeq.delete(channel);
    this.sendSub('unsubscribe', channel);
  }

  dispatch(text) {
    let m;
    try { m = JSON.parse(text); } catch (_) { return; }
    if (m.type === 'error') {
      const ch = m.req_id && this.handlers.has(m.req_id) ? m.req_id : null;
      this.onError(ch, m.error || {});
      return;
    }
    if (!m.channel) return;  // heartbeats, acks
    const fn = this.handlers.get(m.channel);
    if (!fn) return;
    const last = this.lastSeq.get(m.channel);
    if (m.type !== 'snapshot' && last !== undefined && m.seq !== last + 1) {
      // Messages were lost: start the channel over from a fresh snapshot.
      this.lastSeq.delete(m.channel);
      this.sendSub('unsubscribe', m.channel);
      this.sendSub('subscribe', m.channel);
      return;
    }
    this.lastSeq.set(m.channel, m.seq);
    fn(m);
  }
}
