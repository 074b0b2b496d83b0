/*
 * app.js: the lineage page. Three views addressed by the URL hash, so they can be bookmarked and Back works:
 *   #/trace?nodeId=…&asOf=…&depth=…    #/impact?nodeId=…&since=…&until=…&depth=…    #/pii?classification=…
 * Wires the API key field, search, the drawing (graph.js), the side panel (panel.js), the text version
 * (textalt.js) and the exports (JSON, PROV-JSON, PNG). window.lineageUI is a small hook for browser tests:
 * render an answer directly and read back what is drawn and how long drawing took.
 */

import { getJSON, setKey, explain } from './api.js';
import { h } from './dom.js';
import { fromProvenance, fromFlows, lookOf, LOOKS, describeNode } from './model.js';
import { plan as planDrawing, expandGroup } from './collapse.js';
import { createDrawing, renderLegend } from './graph.js';
import { openPanel, closePanel } from './panel.js';
import { bannerMessages, renderBanner, renderTextAlt, summaryText, markCurrent } from './textalt.js';
import { wireSearch, forgetLists } from './search.js';
import { checkKey, loadClassifications } from './keys.js';
import { exportAnswer } from './exports.js';

const $ = (selector) => document.querySelector(selector);
const VIEWS = ['trace', 'impact', 'pii'];
const EXPAND_ALL_MAX = 600; // "Expand all" draws at most this many nodes; the rest stay behind expand handles
const FIELDS = { trace: ['nodeId', 'asOf', 'depth'], impact: ['nodeId', 'since', 'until', 'depth'], pii: ['classification'] };
const state = { view: 'trace', model: null, models: {}, requests: {}, loaded: {}, plan: null, lastDraw: null,
  lastLoad: null, errors: [], busy: 0, ticket: 0 };
let drawing;

function announce(text) {
  const el = $('#announce');
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 30);
}

function showError(message) {
  state.errors.push(message);
  renderBanner($('#banner'), [{ level: 'warn', text: message }]);
  announce(message);
}

function cap() {
  const value = parseInt($('#cap').value, 10);
  return Number.isFinite(value) && value >= 10 ? Math.min(value, 5000) : 150;
}

function title(model) {
  const a = model.answer;
  if (model.view === 'pii') return `Where ${a.classification} flows`;
  const root = model.nodes.get(a.root.id);
  return `${model.view === 'trace' ? 'Trace of' : 'Impact of'} ${describeNode(root)}`;
}

/* ---- drawing ------------------------------------------------------------------------------------------ */

/** What a person changed about how a model is drawn: revealed nodes, sibling limit, "expand". */
function resetDrawing(model) {
  model.revealed = new Set();
  model.siblings = undefined;
  model.expandAll = false;
}

async function draw(model, request) {
  resetDrawing(model);
  state.models[model.view] = model;
  state.requests[model.view] = request;
  state.model = model;
  closePanel($('#panel'));
  return redraw();
}

/** Run `fn` counted in state.busy (tests wait for 0: nothing loading or drawing). */
async function busy(fn) {
  state.busy += 1;
  try {
    return await fn();
  } finally {
    state.busy -= 1;
  }
}

function redraw() {
  return busy(redrawNow);
}

async function redrawNow() {
  const model = state.model;
  const t0 = performance.now();
  const limit = model.expandAll ? Math.min(model.nodes.size, Math.max(EXPAND_ALL_MAX, cap())) : cap();
  const plan = planDrawing(model, limit, model.revealed, { siblings: model.siblings });
  state.plan = plan;
  model.siblings = plan.siblings;
  $('#answer-title').textContent = title(model);
  $('#summary').replaceChildren(...summaryText(model));
  renderBanner($('#banner'), bannerMessages(model, plan, state.requests[model.view] || {}));
  const looks = new Set([...plan.visible].map((id) => lookOf(model.nodes.get(id))));
  if (plan.groups.size) looks.add('Group');
  renderLegend($('#legend'), Object.keys(LOOKS).filter((k) => looks.has(k)));
  $('#graph').setAttribute('aria-busy', 'true');
  const result = await drawing.render(model, plan, limit);
  $('#graph').removeAttribute('aria-busy');
  $('#graph').setAttribute('aria-label', `Lineage drawing: ${title(model)}, ${result.nodes} shapes`);
  const drawnMs = performance.now() - t0;
  renderTextAlt($('#text-alt-body'), model, plan, { onDetails: details });
  if (drawing.focused) markCurrent(drawing.focused);
  updateExports();
  state.lastDraw = { view: model.view, ms: drawnMs, layoutMs: result.ms, withTextMs: performance.now() - t0,
    drawn: result.nodes, edges: result.edges, total: model.nodes.size, groups: plan.groups.size, count: (state.lastDraw?.count || 0) + 1 };
  document.dispatchEvent(new CustomEvent('lineage:drawn', { detail: state.lastDraw }));
  return state.lastDraw;
}

async function expand(groupId) {
  const group = state.plan && state.plan.groups.get(groupId);
  if (!group) return;
  const ids = expandGroup(group, cap());
  ids.forEach((id) => state.model.revealed.add(id));
  await redraw();
  drawing.focus(ids[0]);
  announce(`Showing ${ids.length} more; ${group.tops.length - ids.length} still collapsed in that group.`);
}

async function details(id) {
  if (state.plan && !state.plan.visible.has(id)) {
    state.model.revealed.add(id);
    await redraw();
  }
  drawing.focus(id);
  open(id);
}

function open(id) {
  const node = state.model && state.model.nodes.get(id);
  if (!node) return;
  openPanel($('#panel'), node, {
    model: state.model,
    select: (other) => details(other),
    trace: (target) => navigate('trace', { nodeId: target }),
    impact: (target) => navigate('impact', { nodeId: target }),
  });
}

/* ---- loading and routing ------------------------------------------------------------------------------ */

function hashFor(view, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null));
  return `#/${view}${query.toString() ? `?${query}` : ''}`;
}

function navigate(view, params) {
  const hash = hashFor(view, params);
  if (location.hash === hash) route(true);
  else location.hash = hash;
}

function parseHash() {
  const m = /^#\/(trace|impact|pii)(?:\?(.*))?$/.exec(location.hash);
  const params = Object.fromEntries(new URLSearchParams(m && m[2] ? m[2] : ''));
  return { view: m ? m[1] : 'trace', params };
}

function showView(view) {
  state.view = view;
  for (const v of VIEWS) {
    const link = $(`#nav-${v}`);
    if (v === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    document.querySelector(`form[data-view="${v}"]`).hidden = v !== view;
  }
  updateExports();
}

/** Show a request in its form (fields it leaves out go back to their defaults); a bare view link keeps the form. */
function fillForm(view, params) {
  if (!params[view === 'pii' ? 'classification' : 'nodeId']) return;
  const form = document.querySelector(`form[data-view="${view}"]`);
  for (const name of FIELDS[view]) {
    const input = form.elements[name];
    input.value = params[name] ?? input.defaultValue;
  }
}

function load(view, params) {
  return busy(() => loadNow(view, params));
}

async function loadNow(view, params) {
  const t0 = performance.now();
  const required = view === 'pii' ? 'classification' : 'nodeId';
  if (!params[required]) return;
  state.ticket += 1;
  const ticket = state.ticket;
  $('#graph').setAttribute('aria-busy', 'true');
  announce(`Loading the ${view === 'pii' ? 'PII flows' : view}…`);
  try {
    let answer;
    if (view === 'trace') answer = await getJSON('/api/v1/trace', { nodeId: params.nodeId, asOf: params.asOf, depth: params.depth });
    else if (view === 'impact') answer = await getJSON('/api/v1/impact', params);
    else answer = await getJSON('/api/v1/privacy/flows', { classification: params.classification });
    const fetchMs = performance.now() - t0;
    if (state.view !== view || ticket !== state.ticket) return; // a newer request or another view won
    const model = view === 'pii' ? fromFlows(answer) : fromProvenance(answer, view);
    const drawn = await draw(model, params);
    state.loaded[view] = hashFor(view, params);
    state.lastLoad = { view, fetchMs, drawMs: drawn.ms, totalMs: performance.now() - t0, nodes: model.nodes.size };
    announce(`${title(model)}: ${model.nodes.size} nodes. ${$('#banner').hidden ? '' : $('#banner').textContent}`);
    if (view === 'impact') busy(() => markImpactFindings(model));
  } catch (err) {
    $('#graph').removeAttribute('aria-busy');
    showError(explain(err, view === 'pii' ? 'The PII flows' : `The ${view}`));
  }
}

/** Impact answers carry no findings: mark the reached nodes that have some (when the key may read findings). */
async function markImpactFindings(model) {
  try {
    const { findings } = await getJSON('/api/v1/compliance/findings');
    const hits = findings.filter((f) => model.nodes.has(f.node));
    if (!hits.length || state.model !== model) return;
    for (const f of hits) model.nodes.get(f.node).findings.push(f);
    await redraw();
  } catch {
    /* no findings permission: the impact stays unmarked */
  }
}

function route(force = false) {
  const { view, params } = parseHash();
  showView(view);
  fillForm(view, params);
  const hash = hashFor(view, params);
  if (force || state.loaded[view] !== hash) {
    if (view === 'pii' ? params.classification : params.nodeId) {
      load(view, params);
      return;
    }
  }
  if (state.models[view]) {
    state.model = state.models[view];
    redraw();
  } else {
    clear(view);
  }
}

const EMPTY = {
  trace: 'Search above, or enter the id of an output, decision, run or dataset to trace.',
  impact: 'Enter a dataset (version), model version, run or output to see what was derived from it.',
  pii: 'Choose a classification (e.g. pii.ssn) to see where it flows.',
};

function clear(view) {
  state.model = null;
  state.plan = null;
  drawing.clear();
  closePanel($('#panel'));
  $('#answer-title').textContent = 'Nothing drawn yet';
  $('#summary').textContent = EMPTY[view];
  renderBanner($('#banner'), []);
  $('#legend').replaceChildren();
  $('#text-alt-body').replaceChildren(h('p', {}, EMPTY[view]));
  updateExports();
}

/* ---- exports ------------------------------------------------------------------------------------------ */

function updateExports() {
  const none = !state.model;
  $('#export-json').disabled = none;
  $('#export-png').disabled = none;
  $('#export-prov').disabled = none || state.model.view !== 'trace';
  $('#expand-all').disabled = none || !state.plan || !state.plan.groups.size;
}

async function exporting(kind) {
  try {
    const what = await exportAnswer(kind, { model: state.model, request: state.requests[state.model.view] || {},
      drawing, title: title(state.model), version: $('#version').textContent });
    announce(`${what} exported`);
  } catch (err) {
    showError(explain(err, `The ${kind.toUpperCase()} export`));
  }
}

/* ---- start -------------------------------------------------------------------------------------------- */

function wire() {
  for (const view of VIEWS) {
    document.querySelector(`form[data-view="${view}"]`).addEventListener('submit', (ev) => {
      ev.preventDefault();
      const form = ev.target;
      navigate(view, Object.fromEntries(FIELDS[view].map((n) => [n, form.elements[n].value.trim()])));
    });
  }
  wireSearch($('#search-form'), $('#search-text'), $('#search-results'), {
    trace: (id) => navigate('trace', { nodeId: id, depth: $('#trace-depth').value }),
    impact: (id) => navigate('impact', { nodeId: id, depth: $('#impact-depth').value }),
  });
  $('#key-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setKey($('#api-key').value.trim());
    $('#api-key').value = '';
    forgetLists();
    if (await checkKey($('#key-status'))) {
      loadClassifications($('#classifications'));
      state.loaded = {};
      route();
    }
  });
  $('#key-forget').addEventListener('click', () => {
    setKey('');
    forgetLists();
    checkKey($('#key-status'));
  });
  $('#zoom-in').addEventListener('click', () => drawing.zoom(1.25));
  $('#zoom-out').addEventListener('click', () => drawing.zoom(0.8));
  $('#fit').addEventListener('click', () => drawing.fit());
  $('#cap').addEventListener('change', () => {
    if (!state.model) return;
    resetDrawing(state.model);
    redraw();
  });
  $('#expand-all').addEventListener('click', async () => {
    resetDrawing(state.model);
    state.model.expandAll = true;
    announce(`Drawing up to ${Math.min(state.model.nodes.size, EXPAND_ALL_MAX)} nodes…`);
    await redraw();
  });
  $('#export-json').addEventListener('click', () => exporting('json'));
  $('#export-prov').addEventListener('click', () => exporting('prov'));
  $('#export-png').addEventListener('click', () => exporting('png'));
  $('#panel-close').addEventListener('click', () => {
    closePanel($('#panel'));
    $('#graph').focus();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('#panel').hidden) {
      closePanel($('#panel'));
      $('#graph').focus();
    }
  });
  window.addEventListener('hashchange', () => route());
}

async function renderDirect(answer, view) {
  const t0 = performance.now();
  showView(view);
  const model = view === 'pii' ? fromFlows(answer) : fromProvenance(answer, view);
  const drawn = await draw(model, {});
  return { ...drawn, totalMs: performance.now() - t0 };
}

async function start() {
  drawing = createDrawing($('#graph'), {
    open,
    expand,
    announce,
    selected: (id) => markCurrent(id),
  });
  wire();
  updateExports();
  window.lineageUI = {
    renderTrace: (answer) => renderDirect(answer, 'trace'),
    renderImpact: (answer) => renderDirect(answer, 'impact'),
    renderFlows: (answer) => renderDirect(answer, 'pii'),
    /** Where node `id` is on the screen (page coordinates of its centre), or null when it is not drawn. */
    at: (id) => {
      const el = drawing.cy && drawing.cy.getElementById(id);
      if (!el || el.empty()) return null;
      const box = $('#graph').getBoundingClientRect();
      const p = el.renderedPosition();
      return { x: box.left + p.x, y: box.top + p.y, inView: p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height };
    },
    center: (id) => {
      if (drawing.cy) drawing.cy.center(drawing.cy.getElementById(id));
    },
    snapshot: () => ({
      view: state.view, title: $('#answer-title').textContent, lastDraw: state.lastDraw, lastLoad: state.lastLoad, busy: state.busy,
      focused: drawing.focused, errors: state.errors,
      nodes: drawing.cy ? drawing.cy.nodes().map((n) => ({ id: n.id(), label: n.data('label'), classes: n.classes() })) : [],
      edges: drawing.cy ? drawing.cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id(), label: e.data('label'), classes: e.classes() })) : [],
    }),
  };
  try {
    const health = await getJSON('/health');
    $('#version').textContent = health.version;
  } catch {
    /* shown as missing */
  }
  if (await checkKey($('#key-status'))) loadClassifications($('#classifications'));
  route();
  document.documentElement.dataset.ready = 'true';
}

start();
