// The dashboard in a real browser: a fresh `cux serve` (the default market, books open after
// 1 s) with `cux sim` trading on it, the page loaded in headless Chromium (Debian's, driven by
// playwright-core from web/node_modules; tools/setup installs both), waiting until the tape shows
// trades and the heat map has prices. Screenshots go to the build directory. Fails when the page
// reports an error (its banner, an uncaught exception, a console error) or stays empty.
//
//   node tests/web/dashboard_test.mjs CUX_BINARY SOURCE_DIR BUILD_DIR
//
// Bounded: every wait has a deadline, the whole run is under a minute, and every child process
// is stopped on the way out.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [cux, src, build] = process.argv.slice(2);
if (!cux || !src || !build) {
  console.error('usage: node dashboard_test.mjs CUX_BINARY SOURCE_DIR BUILD_DIR');
  process.exit(2);
}
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 40000;
const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

let chromium;
try {
  ({ chromium } = createRequire(path.join(src, 'web', 'package.json'))('playwright-core'));
} catch (e) {
  console.error(`web test: playwright-core is not installed in ${src}/web (run tools/setup): ${e.message}`);
  process.exit(1);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`web test: ${CHROMIUM} is missing (run tools/setup, which installs Debian's chromium)`);
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cux-web-test-'));
const children = [];

function run(args, name) {
  const p = spawn(cux, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: tmp } });
  p.out = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.out += d; });
  p.name = name;
  children.push(p);
  return p;
}

function waitFor(p, re, ms) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${p.name}: no ${re} within ${ms} ms:\n${p.out}`)), ms);
    const check = () => {
      const m = p.out.match(re);
      if (m) { clearTimeout(timer); ok(m); }
    };
    p.stdout.on('data', check);
    p.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${p.name} exited ${code}:\n${p.out}`)); });
    check();
  });
}

async function stop(p) {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((ok) => p.on('exit', ok));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 8000);
  await done;
  clearTimeout(timer);
}

let browser = null;
let failed = null;
try {
  // The default market with books that open a second after listing.
  const market = fs.readFileSync(path.join(src, 'schemas', 'market.default.json'), 'utf8')
    .replace('"pre_open_seconds": 60', '"pre_open_seconds": 1');
  fs.writeFileSync(path.join(tmp, 'market.json'), market);
  const data = path.join(tmp, 'data');
  const serve = run(['serve', '--data', data, '--market', path.join(tmp, 'market.json'),
                     '--listen', '127.0.0.1:0', '--tick-ms', '100', '--web', path.join(src, 'web')], 'cux serve');
  const url = (await waitFor(serve, /cux serve: ready: (\S+) data /, 20000))[1];
  log('server', url);
  const sim = run(['sim', '--agents', '12', '--rate', '25', '--seconds', '45', '--seed', '3', '--quiet',
                   '--config', path.join(data, 'admin.credentials')], 'cux sim');
  await new Promise((ok) => setTimeout(ok, 2500));  // its participants, capacity, first quotes

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--ignore-certificate-errors'] });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 1300 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused request (a 404 of a route another branch serves) is the page's business: it
    // says so in its panels. Anything else the page logs as an error is a failure.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${url}/?lang=en`, { waitUntil: 'load', timeout: 15000 });
  log('page loaded');

  const count = (id) => page.$eval(`#${id}`, (e) => Number(e.dataset.count || 0));
  const deadline = Date.now() + WAIT_MS;
  let state = {};
  for (;;) {
    state = { tape: await count('tape'), heat: await count('heat'), book: await count('book'),
              delivered: await count('delivered'),
              error: await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent)) };
    if (state.error) throw new Error(`the page shows an error: ${state.error}`);
    if (problems.length) throw new Error(problems.join('\n'));
    if (state.tape > 0 && state.heat > 0 && state.book > 0) break;
    if (Date.now() > deadline) {
      await page.screenshot({ path: path.join(build, 'dashboard-empty.png'), fullPage: true });
      throw new Error(`the page stayed empty: ${JSON.stringify(state)} (screenshot dashboard-empty.png)\n` +
                      `sim:\n${sim.out}`);
    }
    await page.waitForTimeout(500);
  }
  log('filled', JSON.stringify(state));
  const conn = await page.$eval('#conn', (e) => e.className);
  if (!conn.includes('live')) throw new Error(`the stream is not live: ${conn}`);
  if ((await page.$$eval('#heat canvas', (c) => c.length)) === 0) {
    throw new Error('the heat map drew no canvas (is web/node_modules/echarts installed?)');
  }
  await page.waitForTimeout(1000);  // a moment for the charts' last frame
  await page.screenshot({ path: path.join(build, 'dashboard-en.png'), fullPage: true });

  // Chinese: the toggle changes the words and the market file's names.
  await page.click('#lang');
  const title = await page.$eval('#p-book h2', (e) => e.textContent);
  const region = await page.$eval('#region option:checked', (e) => e.textContent);
  if (title !== '订单簿' || !/枢纽/.test(region)) throw new Error(`no Chinese after the toggle: ${title} / ${region}`);

  // The regulator's view: a regulator's key signs the alerts request and the stream's auth in
  // the page; the panel shows the alerts, none, or that this server has no alerts yet.
  const regFile = path.join(tmp, 'regulator.json');
  const add = run(['admin', 'participant', 'add', 'regulator-1', '--roles', 'regulator', '--write', regFile,
                   '--config', path.join(data, 'admin.credentials')], 'cux admin');
  const code = await new Promise((ok) => add.on('exit', ok));
  if (code !== 0) throw new Error(`cux admin participant add: exit ${code}:\n${add.out}`);
  const reg = JSON.parse(fs.readFileSync(regFile, 'utf8'));
  await page.fill('#reg-key', reg.key);
  await page.fill('#reg-secret', reg.secret);
  await page.click('#reg-in');
  await page.waitForFunction(() => document.getElementById('alerts').textContent.trim() !== '', null,
                             { timeout: 10000 });
  const alerts = await page.$eval('#alerts', (e) => e.textContent);
  if (/密钥被拒绝|不属于监管方/.test(alerts)) throw new Error(`the regulator's key was refused: ${alerts}`);
  log('alerts panel:', alerts.slice(0, 80));
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(build, 'dashboard-zh.png'), fullPage: true });
  if (problems.length) throw new Error(problems.join('\n'));
  log(`screenshots: ${build}/dashboard-en.png, dashboard-zh.png`);
  await stop(sim);
} catch (e) {
  failed = e;
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const p of children.reverse()) await stop(p);
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (failed) {
  console.error(`web test: FAILED: ${failed.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log('1 passed, 0 failed');
