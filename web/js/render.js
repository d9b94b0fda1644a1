// Drawing the dashboard's panels from its state (app.js): tables as DOM, charts with ECharts
// when the library loaded (web/vendor.json serves it from node_modules), a note otherwise.
// Each panel sets data-count on its element (rows or cells drawn), which the browser test reads.

let S = null;
let H = null;  // helpers from app.js: t, nameOf, getLang, localText, scuPrice, orderedRegions, gpuChips
const charts = new Map();

export function init(state, helpers) {
  S = state;
  H = helpers;
  window.addEventListener('resize', () => { for (const c of charts.values()) c.resize(); });
}

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d));

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function emptyText(target, text) {
  target.replaceChildren(el('div', { class: 'empty' }, text));
  target.dataset.count = '0';
}

function chart(id) {
  if (!window.echarts) return null;
  let c = charts.get(id);
  if (!c) {
    c = window.echarts.init($(id), 'dark', { renderer: 'canvas' });
    charts.set(id, c);
  }
  return c;
}

function chartEmpty(id, text) {
  const c = charts.get(id);
  if (c) { c.dispose(); charts.delete(id); }
  emptyText($(id), text);
}

const axisStyle = { axisLine: { lineStyle: { color: '#3a4654' } }, axisLabel: { color: '#8a96a3' },
                    splitLine: { lineStyle: { color: '#222c36' } } };

// ---- order book and tape -------------------------------------------------------------------

export function book(state) {
  const target = $('book');
  if (!S || !state.symbol) return emptyText(target, H ? H.t('noData') : '');
  const levels = 10;
  const bids = [...state.book.bids.entries()].map(([p, q]) => [Number(p), q]).sort((a, b) => b[0] - a[0]).slice(0, levels);
  const asks = [...state.book.asks.entries()].map(([p, q]) => [Number(p), q]).sort((a, b) => a[0] - b[0]).slice(0, levels);
  if (!bids.length && !asks.length) return emptyText(target, H.t('empty'));
  const max = Math.max(1, ...bids.map((x) => x[1]), ...asks.map((x) => x[1]));
  const row = (cls, [px, qty]) => el('tr', { class: cls },
    el('td', {}, el('span', { class: 'bar', style: `width:${(100 * qty / max).toFixed(1)}%` }), fmt(px)),
    el('td', {}, qty));
  const spread = bids.length && asks.length ? fmt(asks[0][0] - bids[0][0]) : '—';
  const body = el('tbody', {},
    ...asks.slice().reverse().map((a) => row('ask', a)),
    el('tr', { class: 'mid' }, el('td', { colspan: '2' }, `${H.t('ask')} − ${H.t('bid')}: ${spread}`)),
    ...bids.map((b) => row('bid', b)));
  target.replaceChildren(el('table', { class: 'book' },
    el('thead', {}, el('tr', {}, el('th', {}, H.t('price')), el('th', {}, H.t('qty')))), body));
  target.dataset.count = String(bids.length + asks.length);
}

export function tape(state) {
  const target = $('tape');
  if (!S || !state.tape.length) return emptyText(target, H ? H.t('noTrades') : '');
  const rows = state.tape.map((x) => {
    const r = el('tr', { class: `${x.side}${x.fresh ? ' fresh' : ''}` },
      el('td', {}, H.localText(Date.parse(x.time), true)),
      el('td', { class: 'px' }, x.price),
      el('td', {}, x.qty),
      el('td', {}, x.auction ? H.t('auction') : H.t(x.side)));
    x.fresh = false;
    return r;
  });
  target.replaceChildren(el('div', { class: 'scroll' }, el('table', { class: 'tape' },
    el('thead', {}, el('tr', {}, el('th', {}, H.t('time')), el('th', {}, H.t('price')),
                    el('th', {}, H.t('qty')), el('th', {}, H.t('side')))),
    el('tbody', {}, ...rows))));
  target.dataset.count = String(rows.length);
}

// ---- candles -------------------------------------------------------------------------------

export function candles(state) {
  if (!S) return;
  $('candles-note').textContent = state.barsMode === 'tape' ? H.t('fromTape') : '';
  const bars = [...state.bars.values()].sort((a, b) => a.start - b.start).slice(-120);
  if (!bars.length) return chartEmpty('candles', H.t('noTrades'));
  $('candles').dataset.count = String(bars.length);
  const c = chart('candles');
  if (!c) return;
  const x = bars.map((b) => H.localText(b.start, false).slice(6));
  c.setOption({
    backgroundColor: 'transparent', animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'cross' } },
    grid: [{ left: 50, right: 12, top: 10, height: '62%' }, { left: 50, right: 12, top: '78%', height: '14%' }],
    xAxis: [{ type: 'category', data: x, ...axisStyle }, { type: 'category', data: x, gridIndex: 1, axisLabel: { show: false }, ...axisStyle }],
    yAxis: [{ scale: true, ...axisStyle }, { gridIndex: 1, splitNumber: 2, ...axisStyle }],
    series: [
      { type: 'candlestick', name: H.t('price'), data: bars.map((b) => [b.open, b.close, b.low, b.high]),
        itemStyle: { color: '#e0564f', color0: '#1fa36b', borderColor: '#e0564f', borderColor0: '#1fa36b' } },
      { type: 'bar', name: H.t('qty'), xAxisIndex: 1, yAxisIndex: 1, data: bars.map((b) => b.volume),
        itemStyle: { color: '#4da3ff' } },
    ],
  }, true);
}

// ---- heat map --------------------------------------------------------------------------------

export function heat(state) {
  if (!S || !S.ref) return;
  const chips = H.gpuChips();
  const regions = H.orderedRegions();
  const data = [];
  let n = 0;
  const fromIndex = state.heatSource === 'index';
  chips.forEach((c, y) => regions.forEach((r, x) => {
    const key = `${c.id}|${r.id}`;
    const cell = state.heat.cells.get(key);
    const v = fromIndex ? (state.indexCells.has(key) ? state.indexCells.get(key) : null)
      : cell ? H.scuPrice(c.id, cell.mid) : null;
    if (v !== null) n += 1;
    data.push([x, y, v === null ? '-' : Number(v.toFixed(2))]);
  }));
  const hour = state.heat.hour;
  $('heat-note').textContent = fromIndex
    ? `${H.t('heatIndexNote')}${state.indexAsOf ? ` (${H.localText(Date.parse(state.indexAsOf), true)})` : ''}`
    : `${H.t('heatNote')}. ${H.t('hourShown')}: ${hour === null ? '—' : H.localText(hour * 3600e3, false)}`;
  if (!n) return chartEmpty('heat', fromIndex ? H.t('noTrades') : H.t('noQuotes'));
  $('heat').dataset.count = String(n);
  const c = chart('heat');
  if (!c) return;
  const values = data.map((d) => d[2]).filter((v) => v !== '-');
  c.setOption({
    backgroundColor: 'transparent', animation: false,
    tooltip: { formatter: (p) => `${H.nameOf(chips[p.value[1]])}<br>${H.nameOf(regions[p.value[0]])}: ${p.value[2]} ${H.t('units')}` },
    grid: { left: 150, right: 20, top: 10, bottom: 120 },
    // Chinese names fit under their column; English ones are turned to fit.
    xAxis: { type: 'category', ...axisStyle,
             data: regions.map((r) => (H.getLang() === 'en' ? `${shortName(r)} (${H.t(r.east_west)})`
                                                         : `${shortName(r)}\n${H.t(r.east_west)}`)),
             axisLabel: { color: '#8a96a3', interval: 0, fontSize: 11, rotate: H.getLang() === 'en' ? 25 : 0 } },
    yAxis: { type: 'category', data: chips.map((ch) => H.nameOf(ch)), ...axisStyle,
             axisLabel: { color: '#8a96a3', fontSize: 11, width: 140, overflow: 'truncate' } },
    visualMap: { min: Math.min(...values), max: Math.max(...values) + 1e-9, calculable: true, orient: 'horizontal',
                 left: 'center', bottom: 0, itemHeight: 160, textStyle: { color: '#8a96a3' },
                 inRange: { color: ['#1f5f8b', '#2ca58d', '#e6c229', '#e0564f'] } },
    series: [{ type: 'heatmap', data, label: { show: true, color: '#0f1419', fontSize: 10 },
               emphasis: { itemStyle: { borderColor: '#fff', borderWidth: 1 } } }],
  }, true);
}

// A region's name for a narrow column: the market file's, less a trailing "hub" / "枢纽".
function shortName(r) {
  return H.nameOf(r).replace(/\s*hub$/i, '').replace(/枢纽$/, '');
}

// ---- east–west spread ------------------------------------------------------------------------

export function spread(state) {
  if (!S) return;
  $('spread-note').textContent = state.spreadMode === 'index' ? H.t('spreadIndex')
    : state.spreadMode === 'local' ? H.t('spreadLocal') : '';
  const pts = state.spread.slice().sort((a, b) => a[0] - b[0]);
  if (!pts.length) return chartEmpty('spread', H.t('noData'));
  $('spread').dataset.count = String(pts.length);
  const c = chart('spread');
  if (!c) return;
  c.setOption({
    backgroundColor: 'transparent', animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmt(v, 4)} ${H.t('units')}` },
    grid: { left: 60, right: 16, top: 16, bottom: 30 },
    xAxis: { type: 'time', ...axisStyle, axisLabel: { color: '#8a96a3', formatter: (v) => H.localText(v, false).slice(6) },
             min: pts[0][0] - 60000, max: pts[pts.length - 1][0] + 60000 },
    yAxis: { type: 'value', scale: true, ...axisStyle },
    series: [{ type: 'line', data: pts, showSymbol: pts.length < 30, lineStyle: { color: '#4da3ff' },
               areaStyle: { color: 'rgba(77,163,255,0.12)' }, markLine: { silent: true, symbol: 'none',
               data: [{ yAxis: 0 }], lineStyle: { color: '#3a4654' }, label: { show: false } } }],
  }, true);
}

// ---- delivered cost of a sample job ----------------------------------------------------------

const SAMPLE_DEVICES = 8;

// CNY per device-hour of `devices` devices of `chip` bought at `ask` in region `to` for the
// hour `hour`, the job's `dataGb` living in `from` (DESIGN.md §2 "Delivered cost").
function deliveredCost(chip, from, to, ask, hour, dataGb) {
  const c = S.chips.get(chip);
  const r = S.regions.get(to);
  const link = S.links.get(`${from}|${to}`);
  const local = ((hour + S.offsetH) % 24 + 24) % 24;
  const energy = (c.power_w / 1000) * (r.pue_milli / 1000) * Number(r.tariff_cny_per_kwh[local]);
  const network = from === to || !link ? 0 : (dataGb * Number(link.transfer_cny_per_gb)) / SAMPLE_DEVICES;
  const fee = (ask * S.ref.fees.taker_bps) / 10000;
  return { total: ask + energy + network + fee, ask, energy, network, fee, rtt: link ? link.rtt_us / 1000 : null };
}

export function delivered(state) {
  const target = $('delivered');
  if (!S || !S.ref || state.heat.hour === null || !state.chip) return emptyText(target, H ? H.t('noData') : '');
  const dataGb = Math.max(0, Number($('data-gb').value) || 0);
  const chip = S.chips.get(state.chip);
  $('sample').textContent = `${H.t('sampleJob')}: ${SAMPLE_DEVICES} ${H.t('devices')} × ${H.nameOf(chip)}, 1 h ${H.localText(state.heat.hour * 3600e3, false)},`;
  const regions = H.orderedRegions();
  const origins = regions.filter((r) => r.east_west === 'east');
  let n = 0;
  const rows = origins.map((o) => {
    const costs = regions.map((r) => {
      const cell = state.heat.cells.get(`${state.chip}|${r.id}`);
      return cell && cell.ask !== null ? deliveredCost(state.chip, o.id, r.id, cell.ask, state.heat.hour, dataGb) : null;
    });
    const best = Math.min(...costs.filter(Boolean).map((x) => x.total));
    return el('tr', {}, el('td', {}, `${H.t('origin')} ${shortName(o)}`), ...costs.map((x, i) => {
      if (!x) return el('td', { class: `none ${regions[i].east_west}` }, '—');
      n += 1;
      const td = el('td', { class: `${x.total === best ? 'best ' : ''}${regions[i].east_west}` }, fmt(x.total));
      td.title = `${fmt(x.ask)} + ${fmt(x.energy)} + ${fmt(x.network)} + ${fmt(x.fee)}` + (x.rtt !== null ? ` · RTT ${fmt(x.rtt, 1)} ms` : '');
      return td;
    }));
  });
  if (!n) return emptyText(target, H.t('noQuotes'));
  target.replaceChildren(el('table', { class: 'delivered' },
    el('thead', {}, el('tr', {}, el('th', {}, H.t('perDeviceHour')),
      ...regions.map((r) => el('th', { class: r.east_west }, shortName(r), el('span', { class: 'tag' }, H.t(r.east_west)))))),
    el('tbody', {}, ...rows)));
  target.dataset.count = String(n);
}

// ---- alerts --------------------------------------------------------------------------------

export function alerts(state) {
  const target = $('alerts');
  if (!S) return;
  $('reg-out').hidden = !state.creds;
  $('reg-in').hidden = !!state.creds;
  const messages = { 'signed-out': '', forbidden: H.t('notRegulator'), unauthorized: H.t('badKey'),
                     missing: `${H.t('noData')} (${H.t('notServed')})` };
  if (state.alertsState !== 'ok') {
    if (state.alertsState === 'signed-out') { target.replaceChildren(); target.dataset.count = '0'; return; }
    return emptyText(target, messages[state.alertsState] || '');
  }
  if (!state.alerts.length) return emptyText(target, H.t('noAlerts'));
  const rows = state.alerts.map((a) => el('tr', {},
    el('td', {}, H.localText(Date.parse(a.time), true)),
    el('td', {}, el('span', { class: 'kind' }, a.kind)),
    el('td', {}, a.symbol || ''),
    el('td', {}, a.message),
    el('td', {}, [...(a.evidence.order_ids || []).map((x) => `#${x}`), ...(a.evidence.seqs || []).map((x) => `seq ${x}`)].join(' '))));
  target.replaceChildren(el('div', { class: 'scroll' }, el('table', { class: 'alerts' },
    el('thead', {}, el('tr', {}, el('th', {}, H.t('time')), el('th', {}, H.t('kind')), el('th', {}, 'symbol'),
                    el('th', {}, H.t('message')), el('th', {}, H.t('evidence')))),
    el('tbody', {}, ...rows))));
  target.dataset.count = String(rows.length);
}
