/*
 * collapse.js: keeps large answers drawable. Nodes are taken breadth-first from the root(s), at most N children of
 * one kind per parent, with N the largest that keeps the drawing within `cap` nodes; everything else is folded into
 * "collapsed" groups, one per (drawn parent, kind of the first hidden node), each with an expand handle. A group holds the hidden children and
 * everything below them. Expanding reveals the next chunk of a group's children. Groups of three or fewer nodes are
 * simply drawn. Edges touching folded nodes are drawn once, between the group and the other end.
 */

import { lookOf, LOOKS } from './model.js';

const KIND_ORDER = ['Decision', 'Review', 'Output', 'Run', 'ModelVersion', 'DatasetVersion', 'Dataset', 'Field',
  'Approval', 'Evaluation', 'Incident', 'UseCase', 'Job', 'Restricted', 'Other'];
const SMALL_GROUP = 3;
const MAX_GROUPS = 24; // beyond this, groups of one kind under parents of one kind and depth are merged
const NO_PARENT = '-';

function rank(node) {
  const i = KIND_ORDER.indexOf(lookOf(node));
  return i < 0 ? KIND_ORDER.length : i;
}

function compare(a, b) {
  return a.depth - b.depth || rank(a) - rank(b) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/** Breadth-first order from the roots over edges in both directions, and each node's tree parent. */
function traversal(model) {
  if (model.traversal) return model.traversal;
  const adjacent = new Map([...model.nodes.keys()].map((id) => [id, []]));
  for (const e of model.edges) {
    if (adjacent.has(e.source) && adjacent.has(e.target)) {
      adjacent.get(e.source).push(e.target);
      adjacent.get(e.target).push(e.source);
    }
  }
  const order = [];
  const parent = new Map();
  const seen = new Set();
  const visit = (starts) => {
    let frontier = starts.sort(compare);
    frontier.forEach((n) => seen.add(n.id));
    while (frontier.length) {
      order.push(...frontier.map((n) => n.id));
      const next = [];
      for (const n of frontier) {
        const kids = adjacent.get(n.id).filter((id) => !seen.has(id)).map((id) => model.nodes.get(id)).sort(compare);
        for (const c of kids) {
          if (seen.has(c.id)) continue;
          seen.add(c.id);
          parent.set(c.id, n.id);
          next.push(c);
        }
      }
      frontier = next;
    }
  };
  visit(model.rootIds.filter((id) => model.nodes.has(id)).map((id) => model.nodes.get(id)));
  for (const n of [...model.nodes.values()].sort(compare)) if (!seen.has(n.id)) visit([n]);
  model.traversal = { order, parent };
  return model.traversal;
}

/** How many hidden children one press of a group's expand handle reveals. */
export function chunkSize(cap) {
  return Math.max(20, Math.round(cap / 3));
}

/**
 * Breadth-first from the roots (and the revealed nodes with their ancestors), taking at most `siblings` children of
 * one kind per parent, until `budget` nodes are taken.
 */
function take(model, order, parent, roots, revealed, siblings, budget) {
  const visible = new Set(roots);
  for (const id of revealed) {
    for (let at = id; at && !visible.has(at); at = parent.get(at)) visible.add(at);
  }
  const shown = new Map();
  for (const id of order) {
    if (visible.size >= budget) break;
    if (visible.has(id)) continue;
    const p = parent.get(id) || NO_PARENT;
    if (p !== NO_PARENT && !visible.has(p)) continue;
    const key = `${p}|${model.traversal.looks.get(id)}`;
    const count = shown.get(key) || 0;
    if (count >= siblings) continue;
    shown.set(key, count + 1);
    visible.add(id);
  }
  return visible;
}

/** The largest per-parent sibling limit whose breadth-first take fits in `cap` nodes (1 when none does). */
function fitSiblings(model, order, parent, roots, cap) {
  let lo = 1;
  let hi = Math.max(1, order.length);
  if (take(model, order, parent, roots, [], hi, Infinity).size <= cap) return hi;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (take(model, order, parent, roots, [], mid, Infinity).size <= cap) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * What to draw: {visible, groups, memberOf, edges, siblings, total}. The first plan of a model picks the largest
 * per-parent sibling limit that fits `cap` (so subtrees stay whole); later plans pass that `siblings` back with the
 * ids a person asked to see in `revealed` (by expanding a group or choosing them in the text version).
 */
export function plan(model, cap, revealed = new Set(), { siblings } = {}) {
  const { order, parent } = traversal(model);
  if (!model.traversal.looks) model.traversal.looks = new Map(order.map((id) => [id, lookOf(model.nodes.get(id))]));
  const roots = model.rootIds.filter((id) => model.nodes.has(id));
  const limit = siblings || fitSiblings(model, order, parent, roots, Math.max(1, cap));
  const budget = Math.max(1, cap) + revealed.size * 10;
  const visible = take(model, order, parent, roots, revealed, limit, budget);
  let groups = fold(model, order, parent, visible);
  const room = visible.size + Math.min(50, Math.ceil(cap / 2)); // small groups are drawn as is while this many fit
  let inlined = 0;
  for (const g of [...groups.values()].filter((x) => x.members.length <= SMALL_GROUP)) {
    if (visible.size + g.members.length > room) break;
    g.members.forEach((id) => visible.add(id));
    inlined += 1;
  }
  if (inlined) groups = fold(model, order, parent, visible);
  if (groups.size > MAX_GROUPS) groups = merge(model, groups);
  const memberOf = new Map();
  for (const g of groups.values()) g.members.forEach((id) => memberOf.set(id, g.id));
  return { visible, groups, memberOf, edges: drawnEdges(model, visible, memberOf), siblings: limit, total: model.nodes.size };
}

function fold(model, order, parent, visible) {
  const groups = new Map();
  const topOf = new Map();
  for (const id of order) {
    if (visible.has(id)) continue;
    const p = parent.get(id);
    const top = p && !visible.has(p) ? topOf.get(p) : id;
    topOf.set(id, top);
    const anchor = parent.get(top) || NO_PARENT;
    const look = lookOf(model.nodes.get(top));
    const gid = `group:${anchor}|${look}`;
    if (!groups.has(gid)) groups.set(gid, { id: gid, anchor: anchor === NO_PARENT ? null : anchor, look, tops: [], members: [] });
    const group = groups.get(gid);
    group.members.push(id);
    if (top === id) group.tops.push(id);
  }
  return groups;
}

/** Merge groups that differ only by their parent into one group per (parent kind, parent depth, kind). */
function merge(model, groups) {
  const merged = new Map();
  for (const g of groups.values()) {
    const anchor = g.anchor && model.nodes.get(g.anchor);
    const gid = anchor ? `group:*${lookOf(anchor)}@${anchor.depth}|${g.look}` : g.id;
    if (!merged.has(gid)) merged.set(gid, { id: gid, anchor: null, anchors: 0, look: g.look, tops: [], members: [] });
    const m = merged.get(gid);
    m.anchors += 1;
    m.tops.push(...g.tops);
    m.members.push(...g.members);
  }
  return merged;
}

function drawnEdges(model, visible, memberOf) {
  const edges = [];
  const aggregated = new Map();
  for (const e of model.edges) {
    const s = visible.has(e.source) ? e.source : memberOf.get(e.source);
    const t = visible.has(e.target) ? e.target : memberOf.get(e.target);
    if (!s || !t || s === t) continue;
    if (s === e.source && t === e.target) {
      edges.push(e);
      continue;
    }
    const key = `${s}|${t}`;
    if (!aggregated.has(key)) aggregated.set(key, { id: `g${aggregated.size}`, source: s, target: t, type: 'GROUP', count: 0 });
    aggregated.get(key).count += 1;
  }
  return edges.concat([...aggregated.values()]);
}

/** The ids to reveal when a group is expanded once. */
export function expandGroup(group, cap) {
  return group.tops.slice(0, chunkSize(cap));
}

export function groupLabel(group, cap) {
  const look = LOOKS[group.look] || LOOKS.Other;
  const tops = group.tops.length;
  const below = group.members.length - tops;
  const more = Math.min(tops, chunkSize(cap));
  const lines = [`▸ ${tops.toLocaleString('en-US')} more ${look.badge}`];
  if (below > 0) lines.push(`(+${below.toLocaleString('en-US')} nodes below them)`);
  if (group.anchors > 1) lines.push(`under ${group.anchors.toLocaleString('en-US')} drawn nodes`);
  lines.push(`collapsed: press to show ${more}`);
  return lines.join('\n');
}
