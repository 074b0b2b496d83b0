#!/usr/bin/env node
/*
 * run.mjs: the lineage page (/ui/) in a real headless Chromium (Debian's chromium, driven by playwright-core with
 * executablePath; no browser download) against a live `lineage serve` holding the demo data. It does what an
 * auditor and a privacy officer would do and writes what it saw to a JSON file; test_lineage_page.py asserts on
 * that file. Screenshots and the exported files go to --shots. axe-core checks every view.
 *
 *   node run.mjs --base URL --out results.json --shots DIR --chromium PATH --large NODE_ID [--keyed URL --key KEY]
 *
 * Every step is recorded ({name, ok, ms, error}); a failing step does not stop the later ones.
 */

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await fs.readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DENIAL = 'decision:dec-C-1002';
const MODEL = 'dataset:models:benefits-triage#v2';
const EXTERNAL = 'dataset:sftp://vendor-analytics.example.com:outbound/claims_extract.csv';

function options(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const required of ['base', 'out', 'shots', 'chromium', 'large']) {
    if (!out[required]) throw new Error(`missing --${required}`);
  }
  return out;
}

const opts = options(process.argv);
const results = { base: opts.base, keyedBase: opts.keyed || null, steps: [], axe: {}, screenshots: [], console: [], pageErrors: [], requests: [], timings: {} };

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const value = await fn();
    results.steps.push({ name, ok: true, ms: Date.now() - t0 });
    return value;
  } catch (err) {
    results.steps.push({ name, ok: false, ms: Date.now() - t0, error: String(err && err.stack ? err.stack : err).slice(0, 2000) });
    return undefined;
  }
}

async function shot(page, name, fullPage = false) {
  const file = path.join(opts.shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  results.screenshots.push(file);
  return file;
}

async function snapshot(page) {
  return page.evaluate(() => window.lineageUI.snapshot());
}

async function drawCount(page) {
  return page.evaluate(() => (window.lineageUI.snapshot().lastDraw || {}).count || 0);
}

/** Wait until the page drew more than `before` times and has nothing in flight. */
async function drawn(page, before, timeout = 30_000) {
  await page.waitForFunction((n) => {
    const s = window.lineageUI.snapshot();
    return ((s.lastDraw || {}).count || 0) > n && s.busy === 0;
  }, before, { timeout, polling: 50 });
  return snapshot(page);
}

async function axe(page, view) {
  const found = await page.evaluate(async (source) => {
    if (typeof window.axe === 'undefined') (0, eval)(source); // eslint-disable-line no-eval
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  }, AXE_SOURCE);
  results.axe[view] = found;
  return found;
}

async function clickNode(page, id) {
  let at = await page.evaluate((node) => window.lineageUI.at(node), id);
  if (!at) throw new Error(`${id} is not drawn`);
  if (!at.inView) {
    await page.evaluate((node) => window.lineageUI.center(node), id);
    at = await page.evaluate((node) => window.lineageUI.at(node), id);
  }
  await page.mouse.click(at.x, at.y);
}

async function download(page, selector, name) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click(selector)]);
  const target = path.join(opts.shots, name);
  await file.saveAs(target);
  return { path: target, suggested: file.suggestedFilename(), bytes: (await fs.stat(target)).size };
}

function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      results.console.push({ page: label, type: msg.type(), text: msg.text().slice(0, 500), url: msg.location().url || '' });
    }
  });
  page.on('pageerror', (err) => results.pageErrors.push({ page: label, message: String(err.message).slice(0, 1000) }));
  page.on('request', (req) => results.requests.push(req.url().slice(0, 300)));
}

async function main() {
  await fs.mkdir(opts.shots, { recursive: true });
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'lineage-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 }, acceptDownloads: true,
  });
  results.browser = context.browser() ? context.browser().version() : 'chromium';
  const page = context.pages()[0] || (await context.newPage());
  watch(page, 'main');
  page.setDefaultTimeout(30_000);

  await step('open the page', async () => {
    await page.goto(`${opts.base}/ui`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    results.start = { url: page.url(), title: await page.title(), keyStatus: await page.textContent('#key-status') };
    await shot(page, '01-start');
    await axe(page, 'start');
  });

  await step('search the unreviewed denial and trace it', async () => {
    await page.fill('#search-text', 'dec-C-1002');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('.result-list');
    results.search = { text: await page.textContent('#search-results') };
    await shot(page, '02-search');
    const before = await drawCount(page);
    await page.click(`button[aria-label="Trace ${DENIAL}"]`);
    const snap = await drawn(page, before);
    results.trace = {
      url: page.url(), title: snap.title, lastLoad: snap.lastLoad, nodes: snap.nodes, edges: snap.edges,
      summary: await page.textContent('#summary'), banner: await page.evaluate(() => document.querySelector('#banner').hidden ? '' : document.querySelector('#banner').textContent),
      textAlt: await page.textContent('#text-alt-body'),
    };
    await shot(page, '03-trace', true);
    await axe(page, 'trace');
  });

  await step('depth control: a 2-hop trace says it is truncated', async () => {
    await page.fill('#trace-depth', '2');
    const before = await drawCount(page);
    await page.click('#trace-form button[type=submit]');
    const snap = await drawn(page, before);
    results.shallow = { url: page.url(), nodes: snap.nodes.length, banner: await page.textContent('#banner') };
    await shot(page, '03b-trace-depth-2');
    await page.fill('#trace-depth', '25');
    const again = await drawCount(page);
    await page.click('#trace-form button[type=submit]');
    await drawn(page, again);
  });

  await step('an approval not in force at the as-of time is drawn as such', async () => {
    results.lapsed = await page.evaluate(async (id) => {
      const answer = await (await fetch(`/api/v1/trace?nodeId=${encodeURIComponent(id)}`)).json();
      const approval = answer.approvals[0];
      approval.inForce = false;
      await window.lineageUI.renderTrace(answer);
      const node = window.lineageUI.snapshot().nodes.find((n) => n.id === approval.id);
      const row = document.querySelector(`tr[data-id="${CSS.escape(approval.id)}"]`);
      return { id: approval.id, label: node.label, classes: node.classes, row: row ? row.textContent : null };
    }, DENIAL);
    const before = await drawCount(page); // back to the trace as the server answered it
    await page.click('#trace-form button[type=submit]');
    await drawn(page, before);
  });

  await step('click the model version: the panel shows it', async () => {
    await clickNode(page, MODEL);
    await page.waitForSelector('#panel:not([hidden])');
    await page.waitForFunction(() => !document.querySelector('#panel [aria-busy]'));
    results.panel = {
      title: await page.textContent('#panel-title'), text: await page.textContent('#panel-body'),
      focused: await page.evaluate(() => document.activeElement && document.activeElement.id),
    };
    await shot(page, '04-panel');
    await axe(page, 'trace-panel');
  });

  await step('keyboard: focus the drawing, move upstream, open and close a node', async () => {
    await page.keyboard.press('Escape');
    await page.focus('#graph');
    await page.keyboard.press('Home');
    const home = (await snapshot(page)).focused;
    await page.keyboard.press('ArrowLeft');
    const left = (await snapshot(page)).focused;
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector('#graph'));
      return { outline: `${s.outlineStyle} ${s.outlineWidth}`, shadow: s.boxShadow };
    });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#panel:not([hidden])');
    const panelTitle = await page.textContent('#panel-title');
    const active = await page.evaluate(() => document.activeElement.id);
    await shot(page, '05-keyboard');
    await page.keyboard.press('Escape');
    const back = await page.evaluate(() => ({ active: document.activeElement.id, panelHidden: document.querySelector('#panel').hidden }));
    const rows = await page.evaluate(() => [...document.querySelectorAll('tr[aria-current="true"]')].map((tr) => tr.dataset.id));
    const tabbing = [];
    await page.focus('#search-text');
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      tabbing.push(await page.evaluate(() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        return { id: el.id || el.tagName, visible: s.outlineStyle !== 'none' || s.boxShadow !== 'none' };
      }));
    }
    results.keyboard = { home, left, ring, panelTitle, active, back, rows, tabbing };
  });

  await step('exports: PNG, JSON, PROV-JSON', async () => {
    const png = await download(page, '#export-png', 'export-trace.png');
    const bytes = await fs.readFile(png.path);
    png.signature = bytes.subarray(0, 8).toString('hex');
    png.width = bytes.readUInt32BE(16);
    png.height = bytes.readUInt32BE(20);
    const json = await download(page, '#export-json', 'export-trace.json');
    json.root = JSON.parse(await fs.readFile(json.path, 'utf8')).root.id;
    const prov = await download(page, '#export-prov', 'export-trace.prov.json');
    prov.keys = Object.keys(JSON.parse(await fs.readFile(prov.path, 'utf8')));
    results.exports = { png, json, prov };
  });

  await step('impact from the model version (panel action)', async () => {
    await clickNode(page, MODEL);
    await page.waitForSelector('#panel:not([hidden])');
    const before = await drawCount(page);
    await page.click('#panel-impact');
    const snap = await drawn(page, before);
    results.impact = { url: page.url(), title: snap.title, nodes: snap.nodes, summary: await page.textContent('#summary') };
    await shot(page, '06-impact');
    await axe(page, 'impact');
  });

  await step('PII view for pii.ssn', async () => {
    await page.click('#nav-pii');
    await page.waitForSelector('#pii-form:not([hidden])');
    await page.fill('#pii-class', 'pii.ssn');
    const before = await drawCount(page);
    await page.click('#pii-form button[type=submit]');
    const snap = await drawn(page, before);
    results.pii = { url: page.url(), title: snap.title, nodes: snap.nodes, edges: snap.edges, textAlt: await page.textContent('#text-alt-body') };
    await shot(page, '07-pii', true);
    await axe(page, 'pii');
  });

  await step('a 2,000-node impact: first draw, keyboard, expand', async () => {
    await page.click('#nav-impact');
    await page.waitForSelector('#impact-form:not([hidden])');
    await page.fill('#impact-node', opts.large);
    const before = await drawCount(page);
    const t0 = Date.now();
    await page.click('#impact-form button[type=submit]');
    const snap = await drawn(page, before, 90_000);
    const wall = Date.now() - t0;
    await shot(page, '08-large-impact');
    await page.click('#fit');
    await shot(page, '08b-large-impact-fit');
    await page.focus('#graph');
    await page.keyboard.press('Home');
    const k0 = Date.now();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((root) => window.lineageUI.snapshot().focused !== root, opts.large);
    const keyMs = Date.now() - k0;
    const group = snap.nodes.find((n) => n.classes.includes('Group'));
    let expand = null;
    if (group) {
      const count = await drawCount(page);
      const e0 = Date.now();
      await clickNode(page, group.id);
      const after = await drawn(page, count, 60_000);
      expand = { group: group.label, wallMs: Date.now() - e0, drawMs: after.lastDraw.ms, drawnBefore: snap.lastDraw.drawn, drawnAfter: after.lastDraw.drawn };
      await shot(page, '09-large-expanded');
    }
    const direct = await page.evaluate(async (id) => {
      const answer = await (await fetch(`/api/v1/impact?nodeId=${encodeURIComponent(id)}`)).json();
      const runs = [];
      for (let i = 0; i < 3; i += 1) runs.push(await window.lineageUI.renderImpact(answer));
      return runs.map((r) => ({ totalMs: r.totalMs, drawn: r.drawn, total: r.total, groups: r.groups }));
    }, opts.large);
    results.large = {
      lastLoad: snap.lastLoad, lastDraw: snap.lastDraw, wallMs: wall, keyMs, expand, direct,
      banner: await page.textContent('#banner'),
    };
    await axe(page, 'impact-large');
  });

  await step('impact in a time window', async () => {
    await page.fill('#impact-node', opts.large);
    await page.fill('#impact-until', opts.until || '2026-01-05T08:01:09Z');
    const before = await drawCount(page);
    await page.click('#impact-form button[type=submit]');
    const snap = await drawn(page, before);
    results.window = { url: page.url(), summary: await page.textContent('#summary'), total: snap.lastDraw.total, groups: snap.lastDraw.groups };
    await shot(page, '09b-impact-window');
  });

  await context.close();
  await fs.rm(profile, { recursive: true, force: true });
  if (opts.keyed) await keyed();
}

async function keyed() {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'lineage-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] || (await context.newPage());
  watch(page, 'keyed');
  page.setDefaultTimeout(30_000);
  await step('keyed server: the page asks for a key, then traces with it', async () => {
    await page.goto(`${opts.keyed}/ui/#/trace?nodeId=${encodeURIComponent(DENIAL)}`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    await page.waitForFunction(() => !document.querySelector('#banner').hidden);
    const prompt = { keyStatus: await page.textContent('#key-status'), banner: await page.textContent('#banner') };
    await shot(page, '10-key-prompt');
    await axe(page, 'key-prompt');
    await page.fill('#api-key', opts.key);
    const before = await drawCount(page);
    await page.click('#key-form button[type=submit]');
    const snap = await drawn(page, before);
    results.keyed = {
      prompt, keyStatus: await page.textContent('#key-status'), title: snap.title, nodes: snap.nodes.length,
      keyInField: await page.inputValue('#api-key'),
      stored: await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) })),
    };
    await shot(page, '11-keyed-trace');
    if (opts['viewer-key']) {
      await page.fill('#api-key', opts['viewer-key']);
      await page.click('#key-form button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#key-status').textContent.includes('accepted'));
      await page.waitForFunction(() => document.querySelector('#banner').textContent.includes('Redacted'), null, { timeout: 30_000 });
      const snap = await snapshot(page);
      results.keyed.viewer = {
        banner: await page.textContent('#banner'),
        restricted: snap.nodes.filter((n) => n.classes.includes('restricted')).map((n) => n.label),
      };
      await shot(page, '12-viewer-redacted');
      await axe(page, 'viewer-redacted');
    }
  });
  await context.close();
  await fs.rm(profile, { recursive: true, force: true });
}

try {
  await main();
} catch (err) {
  results.fatal = String(err && err.stack ? err.stack : err);
} finally {
  await fs.writeFile(opts.out, JSON.stringify(results, null, 2));
}
