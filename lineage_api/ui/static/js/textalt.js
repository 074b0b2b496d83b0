/*
 * textalt.js: everything the drawing shows, as text. The banner (why an answer is incomplete, truncated or
 * redacted; gaps; what is collapsed), and the text version: findings, approvals, the narrative, then every node
 * (in the same breadth-first order the drawing uses) and every relation as tables. Rows follow the drawing's
 * focus (aria-current) and each has a Details button that focuses the node in the drawing and opens its panel.
 */

import { h, fmtTime, time } from './dom.js';
import { LOOKS, RELATIONS, PII_STATUS, lookOf, stateLines, describeNode } from './model.js';

const PAGE = 250;
let rows = new Map();

function nodeName(model, id) {
  const node = model.nodes.get(id);
  return node ? describeNode(node) : id;
}

/** Banner messages: [{level: 'warn' | 'info', text}]. */
export function bannerMessages(model, plan, request) {
  const out = [];
  const a = model.answer;
  if (model.view === 'pii') {
    if (!a.complete) out.push({ level: 'warn', text: 'Incomplete: a hop limit cut the propagation short; the classification may reach further.' });
    if (a.outputCount > a.outputs.length) {
      out.push({ level: 'warn', text: `Truncated: ${a.outputCount.toLocaleString('en-US')} AI outputs are reached; the answer lists the first ${a.outputs.length.toLocaleString('en-US')}.` });
    }
  } else {
    if (a.truncated) {
      const at = a.truncated.at.slice(0, 3).map((id) => nodeName(model, id)).join(', ');
      const more = a.truncated.at.length > 3 ? ` and ${a.truncated.at.length - 3} more` : '';
      const why = a.truncated.limit === 'depth'
        ? `the depth limit (${request.depth || 25} hops) stopped the walk`
        : `the node limit (${request.maxNodes || 'server default'} nodes) stopped the walk`;
      out.push({ level: 'warn', text: `Truncated: ${why}; more lies beyond ${a.truncated.at.length} node(s): ${at}${more}. Raise the depth to see further.` });
    }
    if (a.redacted) {
      const hidden = [...model.nodes.values()].filter((n) => n.restricted).length;
      out.push({ level: 'warn', text: `Redacted: ${hidden} node(s) outside this API key's namespaces are shown as "restricted" placeholders.` });
    }
    if (!a.complete && !a.truncated && !a.redacted) out.push({ level: 'warn', text: 'Incomplete: the server marked this answer incomplete.' });
    for (const gap of a.gaps || []) out.push({ level: 'info', text: `Gap: ${gap.message}.` });
  }
  if (plan.groups.size) {
    const hidden = plan.total - plan.visible.size;
    out.push({ level: 'info', text: `Large answer: ${plan.visible.size.toLocaleString('en-US')} of ${plan.total.toLocaleString('en-US')} nodes drawn; ${hidden.toLocaleString('en-US')} are folded into ${plan.groups.size} collapsed group(s) with ▸ expand handles. The text version lists them all.` });
  }
  return out;
}

export function renderBanner(el, messages) {
  el.hidden = !messages.length;
  el.replaceChildren(...messages.map((m) => h('p', { class: `msg ${m.level}` },
    h('strong', {}, m.level === 'warn' ? '⚠ Attention: ' : 'ℹ Note: '), m.text)));
}

/** One-line summary under the title: as-of time, counts, completeness. */
export function summaryText(model) {
  const a = model.answer;
  const n = model.nodes.size;
  const status = a.complete ? 'complete' : 'INCOMPLETE';
  if (model.view === 'trace') return [`As of `, time(a.asOf), ` · ${n} nodes, ${a.edges.length} relations · ${status} · ${a.findings.length} finding(s)`];
  if (model.view === 'impact') {
    const window = a.since || a.until ? `from ${a.since ? fmtTime(a.since) : 'the beginning'} to ${a.until ? fmtTime(a.until) : 'now'}` : 'at any time';
    const counts = Object.entries(a.counts).map(([k, v]) => `${v} ${k}`).join(', ');
    return [`Downstream ${window} · ${counts || 'nothing reached'} · ${status}`];
  }
  return [`${a.fields.length} field(s), ${a.datasets.length} dataset(s), ${a.models.length} model version(s), ${a.outputCount} output(s), ${a.external.length} external dataset(s) · ${status}`];
}

function paged(total, build, label) {
  const tbody = h('tbody');
  let shown = 0;
  const button = h('button', { type: 'button', class: 'more' });
  const more = () => {
    const next = Math.min(total, shown + PAGE);
    for (let i = shown; i < next; i += 1) tbody.append(build(i));
    shown = next;
    button.textContent = `Show ${Math.min(PAGE, total - shown)} more ${label} (${shown} of ${total} shown)`;
    button.hidden = shown >= total;
  };
  button.addEventListener('click', more);
  more();
  return { tbody, button };
}

function list(title, items) {
  if (!items.length) return null;
  return h('section', {}, h('h3', {}, title), h('ol', {}, items.map((i) => h('li', {}, ...[i].flat()))));
}

/** Render the text version of `model` drawn as `plan`. onDetails(id) focuses a node and opens its panel. */
export function renderTextAlt(el, model, plan, { onDetails }) {
  rows = new Map();
  const a = model.answer;
  const parts = [];
  if (model.view === 'trace') {
    parts.push(list('Compliance findings', a.findings.map((f) => [h('strong', {}, `⚠ ${f.rule}`),
      ` (directive clause ${f.clause}, ${f.severity}) on ${nodeName(model, f.node)}: ${f.summary}`])));
    parts.push(list(`Approvals at ${fmtTime(a.asOf)}`, a.approvals.map((ap) => [h('strong', {}, ap.inForce ? '✔ in force' : '✖ not in force'),
      `: ${ap.approvalId} (${ap.kind}, ${ap.decision}) approves ${(ap.approves || []).map((id) => nodeName(model, id)).join(', ')}`])));
    parts.push(list('In words', a.narrative));
    const later = Object.entries(a.later || {}).flatMap(([kind, recs]) => recs.map((r) => `${kind.replace(/s$/, '')} ${r.id} about ${nodeName(model, r.about)} at ${fmtTime(r.at)}`));
    parts.push(list('Recorded after the as-of time (not part of the trace)', later));
  } else if (model.view === 'pii') {
    const sources = [...model.nodes.values()].filter((n) => n.source);
    parts.push(list(`Sources of ${a.classification}`, sources.map((n) => nodeName(model, n.id))));
    parts.push(list('External datasets it reaches (leave the agency)', a.external.map((d) => [h('strong', {}, '⚠ EXTERNAL '),
      `${nodeName(model, d.id)} (${d.status}), path: ${d.path.map((p) => model.nodes.get(p)?.label || p).join(' → ')}`])));
    const masked = model.edges.filter((e) => e.type === 'MASKED');
    parts.push(list('Where masking stops it', masked.map((e) => `⊘ ${nodeName(model, e.source)} → ${nodeName(model, e.target)}`)));
  }
  const order = (model.traversal ? model.traversal.order : [...model.nodes.keys()]).map((id) => model.nodes.get(id));
  const nodeRows = paged(order.length, (i) => {
    const n = order[i];
    const group = plan.groups.get(plan.memberOf.get(n.id));
    const where = plan.visible.has(n.id) || !group ? 'drawn'
      : `collapsed in “▸ ${group.tops.length} more ${LOOKS[group.look].badge.toLowerCase()}” (Details draws it)`;
    const tr = h('tr', { 'data-id': n.id },
      h('td', {}, String(i + 1)), h('td', {}, `${LOOKS[lookOf(n)].icon} ${LOOKS[lookOf(n)].badge.toLowerCase()}`),
      h('th', { scope: 'row' }, h('span', { class: 'label' }, n.label), h('br'), h('code', { class: 'id' }, n.id)),
      h('td', {}, model.view === 'pii' ? (n.status ? `${PII_STATUS[n.status].icon} ${n.status}` : '—') : String(n.depth)),
      h('td', {}, stateLines(n, model).join('; ') || '—'), h('td', {}, where),
      h('td', {}, h('button', { type: 'button', class: 'details', 'aria-label': `Details of ${n.label}`, onclick: () => onDetails(n.id) }, 'Details')));
    rows.set(n.id, tr);
    return tr;
  }, 'nodes');
  const third = model.view === 'pii' ? 'PII status' : 'Hops from root';
  parts.push(h('section', {}, h('h3', { id: 'nodes-title' }, `Nodes (${order.length})`),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'nodes-title' }, h('table', { class: 'nodes', 'aria-labelledby': 'nodes-title' },
      h('thead', {}, h('tr', {}, ['#', 'Kind', 'Name and id', third, 'State and findings', 'In the drawing', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      nodeRows.tbody)), nodeRows.button));
  const edges = model.edges;
  const edgeRows = paged(edges.length, (i) => {
    const e = edges[i];
    const rel = RELATIONS[e.type] || { label: e.type };
    const recorded = e.recorded ? `${nodeName(model, e.recorded.source)} ${e.recorded.type} ${nodeName(model, e.recorded.target)}` : '—';
    return h('tr', {}, h('td', {}, nodeName(model, e.source)), h('td', {}, rel.label), h('td', {}, nodeName(model, e.target)),
      h('td', {}, recorded), h('td', {}, e.at ? time(e.at) : '—'));
  }, 'relations');
  parts.push(h('section', {}, h('h3', { id: 'edges-title' }, `Relations (${edges.length})`),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'edges-title' }, h('table', { class: 'edges', 'aria-labelledby': 'edges-title' },
      h('thead', {}, h('tr', {}, ['From', 'Relation (as drawn)', 'To', 'Recorded as', 'At'].map((c) => h('th', { scope: 'col' }, c)))),
      edgeRows.tbody)), edgeRows.button));
  el.replaceChildren(...parts.filter(Boolean));
}

/** Mark the row of the node focused in the drawing. */
export function markCurrent(id) {
  for (const tr of document.querySelectorAll('tr[aria-current]')) tr.removeAttribute('aria-current');
  const tr = rows.get(id);
  if (tr) tr.setAttribute('aria-current', 'true');
}
