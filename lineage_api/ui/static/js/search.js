/*
 * search.js: finding something to trace with the API as it is (there is no search endpoint): text that is a typed
 * id, or that becomes one with a decision:/output:/run: prefix, is checked with a one-hop trace; dataset and job
 * names are matched in the catalog lists (a job offers its latest run); nodes with compliance findings are matched
 * too when the key may read findings. Lists are fetched once per key and kept.
 */

import { getJSON, getAll, explain, ApiError, TRACEABLE, IMPACTABLE } from './api.js';
import { h } from './dom.js';
import { LOOKS, lookOf } from './model.js';

const MAX_RESULTS = 40;
const PROBE_PREFIXES = ['decision', 'output', 'run'];
const KNOWN = /^(dataset|job|run|output|decision|review|approval|evaluation|incident|usecase|field):/;
let lists = null;

export function forgetLists() {
  lists = null;
}

function loadLists() {
  if (!lists) {
    const quiet = (p) => p.catch((err) => (err instanceof ApiError ? [] : Promise.reject(err)));
    lists = {
      datasets: quiet(getAll('/api/v1/datasets', 'datasets')),
      jobs: quiet(getAll('/api/v1/jobs', 'jobs')),
      findings: quiet(getJSON('/api/v1/compliance/findings').then((a) => a.findings)),
    };
  }
  return lists;
}

async function probe(id) {
  try {
    const answer = await getJSON('/api/v1/trace', { nodeId: id, depth: 1, maxNodes: 1 });
    return { id: answer.root.id, kind: answer.root.kind, label: answer.root.label, props: answer.root.props, why: 'recorded id' };
  } catch {
    return null;
  }
}

/** Results for `text`: [{id, kind, label, why}], exact ids first. */
export async function search(text) {
  const q = text.trim();
  if (!q) return [];
  const lower = q.toLowerCase();
  const ids = KNOWN.test(q) ? [q] : PROBE_PREFIXES.map((p) => `${p}:${q}`);
  const { datasets, jobs, findings } = loadLists();
  const [probed, ds, js, fs] = await Promise.all([Promise.all(ids.map(probe)), datasets, jobs, findings]);
  const out = new Map();
  const add = (r) => out.size < MAX_RESULTS && !out.has(r.id) && out.set(r.id, r);
  probed.filter(Boolean).forEach(add);
  for (const f of fs) {
    if (f.node.toLowerCase().includes(lower)) {
      add({ id: f.node, kind: kindOf(f.node), label: f.node.slice(f.node.indexOf(':') + 1), why: `finding ${f.rule} (${f.clause})` });
    }
  }
  for (const d of ds) {
    if (!d.id.toLowerCase().includes(lower)) continue;
    if (d.latestVersion) {
      add({ id: `${d.id}#${d.latestVersion}`, kind: 'DatasetVersion', label: `${d.name}@${d.latestVersion}`,
        props: { datasetType: d.datasetType }, why: 'latest version' });
    }
    add({ id: d.id, kind: 'Dataset', label: d.name, props: {}, why: d.external ? 'dataset (external)' : 'dataset' });
  }
  for (const j of js) {
    if (j.id.toLowerCase().includes(lower) && j.latestRun) {
      add({ id: j.latestRun.id, kind: 'Run', label: `latest run of ${j.name}`, why: `job ${j.namespace}:${j.name}` });
    }
  }
  return [...out.values()];
}

function kindOf(id) {
  const prefix = id.slice(0, id.indexOf(':'));
  if (prefix === 'dataset') return id.includes('#') ? 'DatasetVersion' : 'Dataset';
  return { run: 'Run', output: 'Output', decision: 'Decision', job: 'Job', review: 'Review' }[prefix] || 'Other';
}

/** The results list: each with its kind badge and Trace / Impact buttons. */
export function renderResults(el, results, query, { trace, impact }) {
  if (!results.length) {
    el.replaceChildren(h('p', { class: 'note' }, `Nothing found for “${query}”. Paste a full id (e.g. decision:dec-C-1002) or part of a dataset or job name.`));
    return;
  }
  const items = results.map((r) => {
    const look = LOOKS[lookOf({ kind: r.kind, props: r.props || {}, restricted: false })] || LOOKS.Other;
    return h('li', {},
      h('span', { class: 'badge' }, `${look.icon} ${look.badge}`), ' ', h('span', { class: 'label' }, r.label), ' ',
      h('code', { class: 'id' }, r.id), ' ', h('span', { class: 'why' }, `(${r.why})`), ' ',
      h('button', { type: 'button', class: 'result-trace', disabled: !TRACEABLE.has(r.kind), 'aria-label': `Trace ${r.id}`, onclick: () => trace(r.id) }, 'Trace'),
      ' ',
      h('button', { type: 'button', class: 'result-impact', disabled: !IMPACTABLE.has(r.kind), 'aria-label': `Impact of ${r.id}`, onclick: () => impact(r.id) }, 'Impact'));
  });
  el.replaceChildren(h('p', { class: 'note', id: 'results-title' }, `${results.length} result(s) for “${query}”`),
    h('ul', { class: 'result-list', 'aria-labelledby': 'results-title' }, items));
}

/** The search form: results under it, each with Trace / Impact actions ({trace(id), impact(id)}). */
export function wireSearch(form, input, el, actions) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const query = input.value;
    el.setAttribute('aria-busy', 'true');
    el.replaceChildren(h('p', { class: 'note' }, 'Searching…'));
    try {
      renderResults(el, await search(query), query, actions);
    } catch (err) {
      el.replaceChildren(h('p', { class: 'note' }, explain(err, 'The search')));
    }
    el.removeAttribute('aria-busy');
  });
}
