// The cux dashboard: reads the public market data of the server it came from (REST for the
// start, the stream for every change) and, with a regulator's key, the surveillance alerts.
// Every panel copes with a route or channel that this server does not serve yet (it says so and
// falls back to what it can compute from what exists); nothing here is fetched from elsewhere.

import { get, Stream } from './net.js';
import { t, setLang, getLang, nameOf } from './i18n.js';
import * as view from './render.js';

const HEAT_REFRESH_MS = 10000;
const PARALLEL = 6;          // REST reads in flight at once
const TAPE_ROWS = 60;
const ACTIVE_WINDOWS = 4;    // the default window: the most recently traded of the first few

const S = {
  ref: null,
  chips: new Map(), regions: new Map(), links: new Map(),
  offsetH: 8,
  chip: null, region: null, symbol: null,
  book: { bids: new Map(), asks: new Map(), seq: 0 },
  tape: [], tapeIds: new Set(),
  bars: new Map(), barIds: new Set(), barsMode: null,
  heat: { hour: null, cells: new Map() },
  // The heat map's source: 'books' (the best quotes of the hour's books) until the server's SCU
  // index answers with `cells` (VWAP of the last hour's trades per chip x region): 'index'.
  heatSource: 'books', indexCells: new Map(), indexAsOf: null,
  spread: [], spreadMode: null,
  creds: null, alerts: [], alertsState: 'signed-out',
  userPicked: false,  // a window chosen by hand (or in the URL) is kept
  stream: null, lastSeq: 0,
};

// ---- small helpers -----------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const money = (s) => (s === null || s === undefined ? null : Number(s));

function showError(text) {
  const e = $('error');
  e.textContent = text;
  e.hidden = !text;
}

window.addEventListener('error', (ev) => showError('error: ' + (ev.message || ev.type)));
window.addEventListener('unhandledrejection', (ev) => showError('error: ' + (ev.reason && ev.reason.message || ev.reason)));

// Epoch hour -> "YYYYMMDDTHH" of a symbol.
function symbolHour(h) {
  const d = new Date(h * 3600e3);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}`;
}
const hourOf = (rfc) => Math.floor(Date.parse(rfc) / 3600e3);
const symbolOf = (chip, region, hour) => `${chip}.${region}.${symbolHour(hour)}.1h`;

// Market-local time (the market file's UTC offset, CST for the default): "MM-DD HH:MM".
export function localText(ms, withSeconds) {
  const d = new Date(ms + S.offsetH * 3600e3);
  const p = (n) => String(n).padStart(2, '0');
  const hm = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  return withSeconds ? `${hm}:${p(d.getUTCSeconds())}` : `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${hm}`;
}

async function inParallel(items, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await fn(items[i], i); } };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

const gpuChips = () => S.ref.chips.filter((c) => c.kind !== 'cpu');
const orderedRegions = () => [...S.ref.regions.filter((r) => r.east_west === 'east'),
                              ...S.ref.regions.filter((r) => r.east_west === 'west')];

// ---- language ----------------------------------------------------------------------------

function applyLang() {
  document.documentElement.lang = getLang() === 'zh' ? 'zh' : 'en';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-ph]')) el.placeholder = t(el.dataset.ph);
  $('lang').textContent = t('lang');
  if (!S.ref) return;
  fillSelect($('chip'), S.ref.chips.map((c) => [c.id, nameOf(c)]), S.chip);
  fillSelect($('region'), orderedRegions().map((r) => [r.id, `${nameOf(r)} (${t(r.east_west)})`]), S.region);
  renderAll();
}

function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, label]) => {
    const o = document.createElement('option');
    o.value = v; o.textContent = label; o.selected = v === value;
    return o;
  }));
}

// ---- the instrument ----------------------------------------------------------------------

async function loadWindows(preferred) {
  const r = await get(`/v1/instruments?chip=${encodeURIComponent(S.chip)}&region=${encodeURIComponent(S.region)}`);
  if (r.status !== 200 || !Array.isArray(r.body)) return;  // the next reload tries again
  const rows = r.body
    .filter((x) => x.tenor === '1h' && ['pre_open', 'open', 'closing'].includes(x.status));
  fillSelect($('window'), rows.map((x) => [x.symbol, `${localText(Date.parse(x.window_start))} · ${x.status}`]), null);
  if (rows.length === 0) { selectSymbol(null); return; }
  let pick = rows.find((x) => x.symbol === preferred);
  if (!pick) {
    // The most recently traded of the first few windows in continuous trading: where the
    // market is now (a window in its closing call is about to close).
    const open = rows.filter((x) => x.status === 'open');
    let best = -1;
    await inParallel(open.slice(0, ACTIVE_WINDOWS), async (x) => {
      const tr = await get(`/v1/trades/${encodeURIComponent(x.symbol)}?limit=1`);
      const seq = tr.status === 200 && tr.body.length ? tr.body[0].seq : -1;
      if (seq > best) { best = seq; pick = x; }
    });
    pick = pick || open[0] || rows[0];
  }
  $('window').value = pick.symbol;
  if (pick.symbol !== S.symbol) selectSymbol(pick.symbol);
}

function selectSymbol(symbol) {
  const old = S.symbol;
  if (old) for (const ch of [`book:${old}`, `trades:${old}`, `bars:${old}:1m`]) S.stream.off(ch);
  S.symbol = symbol;
  S.book = { bids: new Map(), asks: new Map(), seq: 0 };
  S.tape = []; S.tapeIds = new Set();
  S.bars = new Map(); S.barIds = new Set(); S.barsMode = null;
  const url = new URL(location.href);
  if (symbol) url.searchParams.set('symbol', symbol); else url.searchParams.delete('symbol');
  history.replaceState(null, '', url);
  renderAll();
  if (!symbol) return;
  S.heat.hour = hourOf(symbol.split('.')[2].replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)$/, '$1-$2-$3T$4:00:00Z'));
  S.stream.on(`book:${symbol}`, onBook);
  S.stream.on(`trades:${symbol}`, onTrades);
  loadBars(symbol);
  refreshHeat();
}

function onBook(m) {
  if (m.symbol !== S.symbol) return;
  if (m.type === 'snapshot') { S.book.bids = new Map(); S.book.asks = new Map(); }
  for (const [side, rows] of [['bids', m.bids], ['asks', m.asks]]) {
    for (const [px, qty] of rows || []) {
      if (qty > 0) S.book[side].set(px, qty); else S.book[side].delete(px);
    }
  }
  S.book.seq = m.event_seq || S.book.seq;
  noteSeq(m.event_seq);
  // The heat map's cell of this book follows it live.
  const bid = bestOf(S.book.bids, true); const ask = bestOf(S.book.asks, false);
  setHeatCell(S.chip, S.region, bid, ask);
  view.book(S);
  view.heat(S);
  view.delivered(S);
}

function bestOf(side, highest) {
  let best = null;
  for (const px of side.keys()) {
    const v = Number(px);
    if (best === null || (highest ? v > best : v < best)) best = v;
  }
  return best;
}

function onTrades(m) {
  if (m.symbol !== S.symbol) return;
  const rows = m.type === 'snapshot' ? [...m.trades].reverse() : m.trades;  // oldest first
  const fresh = m.type !== 'snapshot';
  for (const tr of rows) addTrade(tr, fresh);
  view.tape(S);
  if (S.barsMode === 'tape') view.candles(S);
}

function addTrade(tr, fresh) {
  if (S.tapeIds.has(tr.trade_id)) return;
  S.tapeIds.add(tr.trade_id);
  S.tape.unshift({ ...tr, fresh });
  if (S.tape.length > TAPE_ROWS) S.tape.length = TAPE_ROWS;
  noteSeq(tr.seq);
  if (S.barsMode === 'tape') barFromTrade(tr);
}

function barFromTrade(tr) {
  if (S.barIds.has(tr.trade_id)) return;
  S.barIds.add(tr.trade_id);
  const start = Math.floor(Date.parse(tr.time) / 60000) * 60000;
  const px = Number(tr.price);
  const b = S.bars.get(start);
  if (!b) {
    S.bars.set(start, { start, open: px, high: px, low: px, close: px, volume: tr.qty, first: tr.seq, last: tr.seq });
    return;
  }
  b.high = Math.max(b.high, px); b.low = Math.min(b.low, px); b.volume += tr.qty;
  if (tr.seq >= b.last) { b.close = px; b.last = tr.seq; }
  if (tr.seq < b.first) { b.open = px; b.first = tr.seq; }
}

async function loadBars(symbol) {
  const r = await get(`/v1/bars/${encodeURIComponent(symbol)}?interval=1m`);
  if (symbol !== S.symbol) return;
  if (r.status === 200 && r.body && Array.isArray(r.body.bars)) {
    S.barsMode = 'server';
    for (const b of r.body.bars) putBar(b);
    S.stream.on(`bars:${symbol}:1m`, (m) => {
      if (m.symbol !== S.symbol) return;
      for (const b of m.bars || []) putBar(b);
      view.candles(S);
    });
  } else {
    // No bars service (404 NO_ROUTE before it is merged, or any failure): the tape makes them.
    S.barsMode = 'tape';
    const tr = await get(`/v1/trades/${encodeURIComponent(symbol)}?limit=1000`);
    if (symbol !== S.symbol) return;
    const rows = tr.status === 200 && Array.isArray(tr.body) ? [...tr.body].reverse() : [];
    for (const x of rows) barFromTrade(x);
    for (const x of S.tape.slice().reverse()) barFromTrade(x);
  }
  view.candles(S);
}

function putBar(b) {
  const start = Date.parse(b.start);
  S.bars.set(start, { start, open: money(b.open), high: money(b.high), low: money(b.low),
                      close: money(b.close), volume: b.volume });
}

// ---- heat map and delivered cost -----------------------------------------------------------

function setHeatCell(chip, region, bid, ask) {
  const key = `${chip}|${region}`;
  if (bid === null && ask === null) { S.heat.cells.delete(key); return; }
  S.heat.cells.set(key, { bid, ask, mid: bid !== null && ask !== null ? (bid + ask) / 2 : (ask ?? bid) });
}

let heatTimer = null;
let heatBusy = false;
async function refreshHeat() {
  clearTimeout(heatTimer);
  heatTimer = setTimeout(refreshHeat, HEAT_REFRESH_MS);
  if (heatBusy || !S.ref || S.heat.hour === null) return;
  heatBusy = true;
  try {
    const hour = S.heat.hour;
    const pairs = [];
    // With the index's cells, only the chosen chip's books are read (for the delivered costs).
    const chips = S.heatSource === 'index' ? gpuChips().filter((c) => c.id === S.chip) : gpuChips();
    for (const c of chips) for (const r of S.ref.regions) pairs.push([c.id, r.id]);
    // The selected chip's row is priced for the delivered-cost panel even when it is a CPU.
    if (S.chip && !gpuChips().some((c) => c.id === S.chip)) for (const r of S.ref.regions) pairs.push([S.chip, r.id]);
    await inParallel(pairs, async ([chip, region]) => {
      const r = await get(`/v1/book/${encodeURIComponent(symbolOf(chip, region, hour))}?depth=1`);
      if (hour !== S.heat.hour) return;
      if (r.status !== 200 || !r.body) { S.heat.cells.delete(`${chip}|${region}`); return; }
      noteSeq(r.body.seq);
      const bid = r.body.bids && r.body.bids.length ? Number(r.body.bids[0][0]) : null;
      const ask = r.body.asks && r.body.asks.length ? Number(r.body.asks[0][0]) : null;
      setHeatCell(chip, region, bid, ask);
    });
    if (S.spreadMode === 'local') pushLocalSpread();
    view.heat(S);
    view.delivered(S);
    view.spread(S);
  } finally {
    heatBusy = false;
  }
}

// Price per PFLOPS-hour of a device-hour price.
export function scuPrice(chip, price) {
  const c = S.chips.get(chip);
  return c && c.dense_gflops > 0 ? price / (c.dense_gflops / 1e6) : null;
}

function pushLocalSpread() {
  // Per GPU/NPU chip quoted on both sides: eastern mean minus western mean; then their mean.
  const diffs = [];
  for (const c of gpuChips()) {
    const side = { east: [], west: [] };
    for (const r of S.ref.regions) {
      const cell = S.heat.cells.get(`${c.id}|${r.id}`);
      if (cell) side[r.east_west].push(scuPrice(c.id, cell.mid));
    }
    if (side.east.length && side.west.length) {
      const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
      diffs.push(mean(side.east) - mean(side.west));
    }
  }
  if (diffs.length) S.spread.push([Date.now(), diffs.reduce((x, y) => x + y, 0) / diffs.length]);
  if (S.spread.length > 720) S.spread.shift();
}

// ---- the east–west spread ------------------------------------------------------------------

async function loadSpread() {
  const now = Date.now();
  const from = new Date(Math.floor(now / 3600e3) * 3600e3 - 24 * 3600e3).toISOString().replace('.000', '');
  const to = new Date(Math.floor(now / 3600e3) * 3600e3 + 3600e3).toISOString().replace('.000', '');
  const [hist, cur] = await Promise.all([
    get(`/v1/index/history?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    get('/v1/index'),
  ]);
  if (cur.status === 200 && cur.body && cur.body.scu) {
    S.spreadMode = 'index';
    if (hist.status === 200 && hist.body && Array.isArray(hist.body.windows)) {
      for (const w of hist.body.windows) {
        if (w.east_west_spread !== null) S.spread.push([Date.parse(w.window_start), Number(w.east_west_spread)]);
      }
    }
    pushIndex(cur.body);
    setIndexCells(cur.body);
    S.stream.on('index', (m) => { pushIndex(m); setIndexCells(m); view.spread(S); view.heat(S); });
  } else {
    S.spreadMode = 'local';
  }
  view.spread(S);
}

let indexPoll = null;
function pollIndex() {
  if (indexPoll) return;
  indexPoll = setInterval(async () => {
    const r = await get('/v1/index');
    if (r.status !== 200 || !r.body) return;
    pushIndex(r.body); setIndexCells(r.body); view.spread(S); view.heat(S);
  }, 15000);
}

function setIndexCells(m) {
  if (!Array.isArray(m.cells)) return;  // an index without cells: the books stay the source
  S.heatSource = 'index';
  S.indexAsOf = m.as_of || null;
  S.indexCells = new Map();
  for (const c of m.cells) {
    if (c.unit === 'PFLOPS-hour' && c.price !== null && c.price !== undefined) {
      S.indexCells.set(`${c.chip}|${c.region}`, Number(c.price));
    }
  }
}

function pushIndex(m) {
  const v = m.scu && m.scu.east_west_spread;
  if (v === null || v === undefined) return;
  S.spread.push([m.as_of ? Date.parse(m.as_of) : Date.now(), Number(v)]);
  if (S.spread.length > 720) S.spread.shift();
}

// ---- the regulator's alerts --------------------------------------------------------------

async function signIn(creds) {
  S.creds = creds;
  S.alerts = [];
  if (!creds) { S.alertsState = 'signed-out'; S.stream.off('alerts'); view.alerts(S); return; }
  const r = await get('/v1/alerts?limit=100', creds);
  if (r.status === 200 && r.body && Array.isArray(r.body.alerts)) {
    S.alertsState = 'ok';
    S.alerts = [...r.body.alerts].reverse();  // newest first
    sessionStorage.setItem('cux.regulator', JSON.stringify(creds));
    await S.stream.authenticate(creds);
    S.stream.on('alerts', onAlerts);
  } else if (r.status === 403) {
    S.alertsState = 'forbidden';
  } else if (r.status === 401) {
    S.alertsState = 'unauthorized';
  } else {
    S.alertsState = 'missing';  // 404: no alerts service on this server yet
    sessionStorage.setItem('cux.regulator', JSON.stringify(creds));
  }
  view.alerts(S);
}

function onAlerts(m) {
  const rows = m.type === 'snapshot' ? m.alerts : [...(m.alerts || [])].reverse();
  if (m.type === 'snapshot') S.alerts = rows; else S.alerts = [...rows, ...S.alerts];
  S.alerts = S.alerts.filter((a, i, all) => all.findIndex((b) => b.seq === a.seq) === i).slice(0, 200);
  view.alerts(S);
}

// ---- status --------------------------------------------------------------------------------

function noteSeq(seq) {
  if (typeof seq === 'number' && seq > S.lastSeq) S.lastSeq = seq;
}

function renderAll() {
  view.book(S); view.tape(S); view.candles(S); view.heat(S); view.spread(S); view.delivered(S); view.alerts(S);
}

setInterval(() => {
  $('status').textContent = `${t('seq')} ${S.lastSeq} · ${localText(Date.now(), true)} (UTC+${S.offsetH})`;
}, 1000);

// ---- start -----------------------------------------------------------------------------------

async function start() {
  const params = new URLSearchParams(location.search);
  setLang(params.get('lang') || localStorage.getItem('cux.lang') || 'zh');
  applyLang();
  if (!window.echarts) { $('notice').textContent = t('chartsMissing'); $('notice').hidden = false; }
  for (;;) {
    const r = await get('/v1/reference');
    if (r.status === 200 && r.body) { S.ref = r.body; break; }
    showError(`/v1/reference: ${r.status || 'unreachable'}; retrying`);
    await new Promise((ok) => setTimeout(ok, 2000));
  }
  showError('');
  view.init(S, { t, nameOf, getLang, localText, scuPrice, orderedRegions, gpuChips });
  for (const c of S.ref.chips) S.chips.set(c.id, c);
  for (const r of S.ref.regions) S.regions.set(r.id, r);
  for (const l of S.ref.network.links) S.links.set(`${l.from}|${l.to}`, l);
  S.offsetH = (S.ref.calendar && S.ref.calendar.utc_offset_hours) || 0;

  S.stream = new Stream({
    onState: (st) => { const c = $('conn'); c.className = `conn ${st}`; c.dataset.t = st; c.textContent = t(st); },
    onError: (channel, err) => {
      // A channel this server does not serve (yet): the panel that wanted it says so.
      if (channel && channel.startsWith('bars:')) { S.barsMode = 'tape'; view.candles(S); }
      if (channel === 'index') {
        // The REST index without its channel: read it every 15 s instead; no index at all: the
        // page computes the spread from the heat map's prices.
        if (S.spreadMode === 'index') pollIndex(); else S.spreadMode = 'local';
        view.spread(S);
      }
      if (channel === 'alerts') { S.alertsState = err.code === 'FORBIDDEN' ? 'forbidden' : 'missing'; view.alerts(S); }
    },
  });

  const wanted = params.get('symbol');
  S.userPicked = !!wanted;
  const parts = wanted ? wanted.split('.') : [];
  S.chip = S.chips.has(parts[0]) ? parts[0] : (S.chips.has('h100') ? 'h100' : gpuChips()[0].id);
  S.region = S.regions.has(parts[1]) ? parts[1] : (S.regions.has('yrd') ? 'yrd' : orderedRegions()[0].id);
  applyLang();

  $('lang').onclick = () => {
    setLang(getLang() === 'zh' ? 'en' : 'zh');
    localStorage.setItem('cux.lang', getLang());
    applyLang();
    $('conn').textContent = t($('conn').dataset.t || 'connecting');
  };
  $('chip').onchange = (e) => { S.chip = e.target.value; loadWindows(); };
  $('region').onchange = (e) => { S.region = e.target.value; loadWindows(); };
  $('window').onchange = (e) => { S.userPicked = true; selectSymbol(e.target.value); };
  $('data-gb').oninput = () => view.delivered(S);
  $('reg').onsubmit = (e) => {
    e.preventDefault();
    const key = $('reg-key').value.trim(); const secret = $('reg-secret').value.trim();
    if (key && secret) signIn({ key, secret });
  };
  $('reg-out').onclick = () => { sessionStorage.removeItem('cux.regulator'); signIn(null); };

  loadSpread();
  await loadWindows(wanted);
  // The calendar rolls: a window that closed leaves the list (and the page moves on from it).
  // Until a person picks a window, the page follows the market: while the window shown has no
  // trades, it moves to the most recently traded of the next few.
  setInterval(() => { if (S.chip && S.region) loadWindows(S.symbol); }, 60000);
  setInterval(() => {
    if (!S.userPicked && S.chip && S.region && S.tape.length === 0) loadWindows(null);
  }, 10000);
  const saved = sessionStorage.getItem('cux.regulator');
  if (saved) signIn(JSON.parse(saved)); else view.alerts(S);
}

start();
