/*
 * panel.js: the side panel of one node. Shows what the answer says about it at once (kind, id, times, findings,
 * approvals and whether they were in force at the as-of time, PII status and path, later records) and then what
 * the catalog adds (facets, versions, schema fields with their classifications and where each came from: declared,
 * suggested by name, or propagated). Actions: trace from here, impact from here.
 */

import { getJSON, getAll, explain, parseId, TRACEABLE, IMPACTABLE } from './api.js';
import { h, facts, fmtTime, fmtValue, time } from './dom.js';
import { LOOKS, PII_STATUS, lookOf, stateLines } from './model.js';

const TIME_KEYS = ['producedAt', 'decidedAt', 'reviewedAt', 'grantedAt', 'expiresAt', 'revokedAt', 'evaluatedAt',
  'startedAt', 'endedAt', 'createdAt', 'writtenAt', 'reportedAt'];
const catalogCache = new Map();
let current = null; // AbortController of the panel being filled

function section(title, ...content) {
  return h('section', { class: 'panel-section' }, h('h3', {}, title), ...content);
}

function approvalItem(a, asOf) {
  const state = a.inForce ? '✔ in force' : '✖ not in force';
  return h('li', { class: a.inForce ? 'ok' : 'bad' },
    h('strong', {}, state), ` at ${fmtTime(asOf) || 'now'}: `, h('code', {}, a.approvalId || a.id),
    ` (${a.kind || 'approval'}, ${a.decision || '?'})`,
    facts([['granted', a.grantedAt && time(a.grantedAt)], ['expires', a.expiresAt ? time(a.expiresAt) : 'no expiry'],
      ['revoked', a.revokedAt && time(a.revokedAt)], ['approver', a.approver && `${a.approver.id} (${a.approver.role || ''})`],
      ['reference', a.reference], ['conditions', a.conditions]]));
}

function findingItem(f, ctx) {
  return h('li', { class: `finding sev-${f.severity}` },
    h('strong', {}, `⚠ ${f.rule}`), ` · directive clause ${f.clause} · severity ${f.severity}`,
    h('p', {}, f.summary),
    h('p', { class: 'evidence' }, 'Evidence: ', ...f.evidence.flatMap((id, i) => [
      i ? ' → ' : '',
      ctx.model.nodes.has(id) ? h('button', { type: 'button', class: 'link', onclick: () => ctx.select(id) }, id) : h('code', {}, id),
    ])));
}

function propsTable(props) {
  const rows = Object.entries(props).filter(([k]) => k !== 'facets');
  if (!rows.length) return null;
  return h('table', { class: 'props' },
    h('caption', { class: 'visually-hidden' }, 'Recorded properties'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'property'), h('th', { scope: 'col' }, 'value'))),
    h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k),
      h('td', {}, TIME_KEYS.includes(k) && typeof v === 'string' ? time(v) : fmtValue(v))))));
}

function facetsBlock(facets) {
  const names = Object.keys(facets || {});
  if (!names.length) return null;
  return h('div', {}, names.map((name) => h('details', { class: 'facet' },
    h('summary', {}, `facet ${name}`), h('pre', { tabindex: 0, 'aria-label': `facet ${name} as JSON` }, JSON.stringify(facets[name], null, 2)))));
}

async function catalog(kind, namespace) {
  const key = `${kind}|${namespace}`;
  if (!catalogCache.has(key)) {
    const path = kind === 'job' ? '/api/v1/jobs' : '/api/v1/datasets';
    catalogCache.set(key, getAll(path, kind === 'job' ? 'jobs' : 'datasets', { params: { namespace } }).catch((err) => {
      catalogCache.delete(key);
      throw err;
    }));
  }
  return catalogCache.get(key);
}

async function datasetFacts(datasetId, version, signal) {
  const { namespace } = parseId(datasetId);
  const parts = [];
  try {
    const ds = (await catalog('dataset', namespace)).find((d) => d.id === datasetId);
    if (ds) {
      parts.push(facts([['type', ds.datasetType], ['owners', ds.owners.join(', ')], ['external', ds.external ? '⚠ yes: leaves the agency' : 'no'],
        ['latest version', ds.latestVersion && `${ds.latestVersion}${version && version !== ds.latestVersion ? ' (this is an older one)' : ''}`],
        ['latest version at', ds.latestVersionAt && time(ds.latestVersionAt)], ['updated', ds.updatedAt && time(ds.updatedAt)],
        ['tags', ds.tags.map((t) => `${t.key}=${t.value}`).join(', ')]]));
      const facetEl = facetsBlock(ds.facets);
      if (facetEl) parts.push(facetEl);
    }
  } catch (err) {
    parts.push(h('p', { class: 'note' }, explain(err, 'The catalog entry')));
  }
  try {
    const privacy = await getJSON(`/api/v1/privacy/datasets/${encodeURIComponent(datasetId)}`, {}, { signal });
    parts.push(section('Fields and their classifications', h('table', { class: 'props' },
      h('caption', { class: 'visually-hidden' }, 'Fields, classifications and their origin'),
      h('thead', {}, h('tr', {}, ['field', 'type', 'classification (origin, status)'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, privacy.fields.map((f) => h('tr', {}, h('th', { scope: 'row' }, f.field), h('td', {}, f.type || ''),
        h('td', {}, f.classifications.length ? h('ul', { class: 'plain' }, f.classifications.map((c) => h('li', {},
          h('strong', {}, c.classification), ` — ${c.origin}, ${PII_STATUS[c.status]?.icon || ''} ${c.status}`,
          c.origin === 'propagated' ? ` from ${c.source.slice(c.source.lastIndexOf(':') + 1)}` : ''))) : 'none')))))));
  } catch (err) {
    if (err.name !== 'AbortError') parts.push(h('p', { class: 'note' }, explain(err, 'Field classifications')));
  }
  return parts;
}

async function runFacts(runId, signal) {
  const run = await getJSON(`/api/v1/runs/${encodeURIComponent(runId)}`, {}, { signal });
  const list = (refs) => (refs.length ? h('ul', { class: 'plain' }, refs.map((r) => h('li', {}, h('code', {}, r.id)))) : 'none');
  return [facts([['state', run.state], ['job', run.job && `${run.job.namespace}:${run.job.name}`],
    ['started', run.startedAt && time(run.startedAt)], ['ended', run.endedAt && time(run.endedAt)],
    ['error', run.errorMessage], ['parent run', run.parentRunId], ['producer', run.producer],
    ['read', list(run.inputs)], ['wrote', list(run.outputs)]]), facetsBlock(run.facets)].filter(Boolean);
}

async function jobFacts(jobId) {
  const { namespace } = parseId(jobId);
  const job = (await catalog('job', namespace)).find((j) => j.id === jobId);
  if (!job) return [h('p', { class: 'note' }, 'Not in the catalog for this key.')];
  return [facts([['type', job.jobType], ['integration', job.integration], ['owners', job.owners.join(', ')],
    ['description', job.description], ['latest run', job.latestRun && `${job.latestRun.runId} (${job.latestRun.state || '?'})`],
    ['updated', job.updatedAt && time(job.updatedAt)]]), facetsBlock(job.facets)].filter(Boolean);
}

async function fill(el, node, signal) {
  const id = node.id;
  let parts = [];
  try {
    if (node.restricted) return;
    if (id.startsWith('dataset:') || id.startsWith('field:')) {
      const parsed = parseId(id);
      parts = await datasetFacts(parsed.dataset, parsed.version, signal);
    } else if (id.startsWith('run:')) parts = await runFacts(id.slice(4), signal);
    else if (id.startsWith('job:')) parts = await jobFacts(id);
    else return;
  } catch (err) {
    if (err.name === 'AbortError') return;
    parts = [h('p', { class: 'note' }, explain(err, 'Loading the catalog facts'))];
  }
  if (!signal.aborted) el.replaceChildren(...parts);
}

/** Fill the panel for `node`. ctx: {model, select(id), trace(id), impact(id), close()}. */
export function openPanel(panel, node, ctx) {
  if (current) current.abort();
  current = new AbortController();
  const look = LOOKS[lookOf(node)];
  const { model } = ctx;
  const asOf = model.answer.asOf || model.answer.until || null;
  panel.querySelector('#panel-title').textContent = `${look.icon} ${look.badge}: ${node.label}`;
  const body = panel.querySelector('#panel-body');
  const traceable = TRACEABLE.has(node.kind) && !node.restricted;
  const impactable = IMPACTABLE.has(node.kind) && !node.restricted;
  const target = node.kind === 'Field' ? parseId(node.id).dataset : node.id;
  const actions = h('div', { class: 'actions' },
    h('button', { type: 'button', id: 'panel-trace', disabled: !(traceable || node.kind === 'Field'), onclick: () => ctx.trace(target) },
      node.kind === 'Field' ? 'Trace its dataset' : 'Trace from here'),
    h('button', { type: 'button', id: 'panel-impact', disabled: !(impactable || node.kind === 'Field'), onclick: () => ctx.impact(target) },
      node.kind === 'Field' ? 'Impact of its dataset' : 'Impact from here'),
    !(traceable || impactable || node.kind === 'Field')
      ? h('p', { class: 'note' }, 'Trace and impact start from outputs, decisions, runs and datasets.') : null);
  const state = stateLines(node, model);
  const parts = [
    actions,
    facts([['id', h('code', {}, node.id)], ['kind', `${look.badge.toLowerCase()} (${node.kind})`],
      ['hops from the root', model.view === 'pii' ? null : node.depth], ['state', state.join('; ')],
      ['as of', model.view === 'trace' ? time(model.answer.asOf) : null]]),
  ];
  if (node.findings.length) parts.push(section('Compliance findings', h('ul', { class: 'plain' }, node.findings.map((f) => findingItem(f, ctx)))));
  if (node.approval) parts.push(section('This approval', h('ul', { class: 'plain' }, approvalItem(node.approval, asOf))));
  const approvals = model.approvalsOf.get(node.id) || [];
  if (approvals.length) parts.push(section('Approvals of this node', h('ul', { class: 'plain' }, approvals.map((a) => approvalItem(a, asOf)))));
  if (node.status) {
    parts.push(section(`Classification ${node.classification || model.answer.classification}`,
      facts([['status', `${PII_STATUS[node.status]?.icon || ''} ${node.status}: ${PII_STATUS[node.status]?.text || ''}`],
        ['external', node.external ? '⚠ yes: this dataset leaves the agency' : null]]),
      h('ol', { class: 'path' }, (node.path || []).map((p) => h('li', {}, h('code', {}, p))))));
  }
  const later = Object.entries(model.answer.later || {}).flatMap(([kind, recs]) => recs.filter((r) => r.about === node.id).map((r) => [kind, r]));
  if (later.length) {
    parts.push(section('Recorded after the as-of time (not part of this trace)', h('ul', { class: 'plain' },
      later.map(([kind, r]) => h('li', {}, `${kind.replace(/s$/, '')} `, h('code', {}, r.id), ' at ', time(r.at))))));
  }
  const props = propsTable(node.props);
  if (props) parts.push(section('Recorded properties', props));
  const more = h('div', { class: 'catalog', 'aria-busy': 'true' }, h('p', { class: 'note' }, 'Loading catalog facts…'));
  if (/^(dataset|field|run|job):/.test(node.id) && !node.restricted) parts.push(section('From the catalog', more));
  body.replaceChildren(...parts);
  panel.hidden = false;
  panel.querySelector('#panel-title').focus();
  fill(more, node, current.signal).finally(() => more.removeAttribute('aria-busy'));
}

export function closePanel(panel) {
  if (current) current.abort();
  current = null;
  panel.hidden = true;
}
