/*
 * model.js: turns API answers into one graph model the drawing, the text version and the panel share.
 *
 *   fromProvenance(answer, view)  TraceAnswer / ImpactAnswer  -> model
 *   fromFlows(answer)             FlowAnswer (privacy)        -> model
 *
 * A model is {view, answer, rootIds, nodes: Map<id, node>, edges: [edge], findings: Map<id, finding[]>,
 * approvalsOf: Map<id, approval[]>}. Edges are drawn in the direction data and decisions flow (sources on the left,
 * the decision on the right), so some recorded relations are flipped for drawing (READ: run -> dataset version is
 * drawn dataset version -> run "read by"); each edge keeps its recorded form for the text version.
 * Every kind and state has a text badge and a shape, so colour is never the only signal.
 */

export const LOOKS = {
  Dataset: { badge: 'DATASET', icon: '▤', shape: 'barrel', fill: '#dbeafe', border: '#1d4ed8' },
  DatasetVersion: { badge: 'DATASET VERSION', icon: '▥', shape: 'round-rectangle', fill: '#e0f2fe', border: '#0369a1' },
  ModelVersion: { badge: 'MODEL VERSION', icon: '⬢', shape: 'hexagon', fill: '#ede9fe', border: '#6d28d9' },
  Run: { badge: 'RUN', icon: '▶', shape: 'ellipse', fill: '#f1f5f9', border: '#475569' },
  Job: { badge: 'JOB', icon: '⚙', shape: 'cut-rectangle', fill: '#f8fafc', border: '#64748b' },
  Output: { badge: 'AI OUTPUT', icon: '◆', shape: 'diamond', fill: '#fef3c7', border: '#b45309' },
  Approval: { badge: 'APPROVAL', icon: '✎', shape: 'tag', fill: '#dcfce7', border: '#15803d' },
  Review: { badge: 'HUMAN REVIEW', icon: '☺', shape: 'round-pentagon', fill: '#fce7f3', border: '#be185d' },
  Decision: { badge: 'DECISION', icon: '⚖', shape: 'octagon', fill: '#ffedd5', border: '#c2410c' },
  UseCase: { badge: 'USE CASE', icon: '☰', shape: 'rhomboid', fill: '#f5f5f4', border: '#57534e' },
  Evaluation: { badge: 'EVALUATION', icon: '✓', shape: 'bottom-round-rectangle', fill: '#ccfbf1', border: '#0f766e' },
  Incident: { badge: 'INCIDENT', icon: '!', shape: 'concave-hexagon', fill: '#fee2e2', border: '#b91c1c' },
  Field: { badge: 'FIELD', icon: '▸', shape: 'round-rectangle', fill: '#ffffff', border: '#334155' },
  Restricted: { badge: 'RESTRICTED', icon: '▒', shape: 'rectangle', fill: '#e5e7eb', border: '#4b5563' },
  Other: { badge: 'NODE', icon: '•', shape: 'rectangle', fill: '#ffffff', border: '#4b5563' },
  Group: { badge: 'COLLAPSED', icon: '▸', shape: 'round-rectangle', fill: '#ffffff', border: '#111827' },
};

/* flip: drawn target -> source. label reads along the drawn arrow. */
export const RELATIONS = {
  READ: { flip: true, label: 'read by', line: 'solid', color: '#334155', width: 2 },
  WROTE: { label: 'wrote', line: 'solid', color: '#1d4ed8', width: 2 },
  PRODUCED: { label: 'produced', line: 'solid', color: '#b45309', width: 3 },
  BASED_ON: { flip: true, label: 'basis of', line: 'solid', color: '#c2410c', width: 3 },
  VERSION_OF: { flip: true, label: 'version', line: 'dotted', color: '#64748b', width: 1.5 },
  RUN_OF: { flip: true, label: 'ran', line: 'dotted', color: '#64748b', width: 1.5 },
  SERVES: { label: 'serves', line: 'dashed', color: '#57534e', width: 1.5 },
  APPROVES: { label: 'approves', line: 'dashed', color: '#15803d', width: 2.5 },
  EVALUATED: { label: 'evaluated', line: 'dashed', color: '#0f766e', width: 2 },
  REVIEWED: { flip: true, label: 'reviewed by', line: 'dashed', color: '#be185d', width: 2.5 },
  CONCERNS: { label: 'concerns', line: 'dashed', color: '#b91c1c', width: 2.5 },
  PARENT: { flip: true, label: 'parent of', line: 'dotted', color: '#64748b', width: 1.5 },
  DERIVED_FROM: { flip: true, label: 'derives', line: 'solid', color: '#334155', width: 2 },
  HAS_FIELD: { label: 'has field', line: 'dotted', color: '#64748b', width: 1.5 },
  IN_VERSION: { label: 'stored in', line: 'dotted', color: '#64748b', width: 1.5 },
  RECORDED_BY: { flip: true, label: 'recorded', line: 'dotted', color: '#64748b', width: 1.5 },
  SYMLINK: { label: 'same as', line: 'dotted', color: '#64748b', width: 1.5 },
  FLOWS: { label: 'flows to', line: 'solid', color: '#7c2d12', width: 3 },
  MAY_FLOW: { label: 'may influence', line: 'dotted', color: '#7c2d12', width: 2 },
  MASKED: { label: '⊘ masked: stops here', line: 'dashed', color: '#b91c1c', width: 3, arrow: 'tee' },
  IN_DATASET: { label: 'column of', line: 'dotted', color: '#64748b', width: 1.5 },
  READ_BY: { label: 'read by', line: 'solid', color: '#334155', width: 2 },
  TRAINED: { label: 'trained', line: 'solid', color: '#6d28d9', width: 2.5 },
  GROUP: { label: '', line: 'dotted', color: '#111827', width: 1.5 },
};

export const PII_STATUS = {
  declared: { icon: '●', text: 'declared here (source)' },
  suggested: { icon: '✱', text: 'suggested by its name' },
  direct: { icon: '→', text: 'copied directly' },
  'masked-after': { icon: '⊘', text: 'masked: stops here' },
  indirect: { icon: '≈', text: 'indirect (derived)' },
  possible: { icon: '?', text: 'possible influence' },
};
const STATUS_RANK = ['declared', 'direct', 'indirect', 'masked-after', 'possible', 'suggested'];

export function lookOf(node) {
  if (node.restricted) return 'Restricted';
  if (node.kind === 'DatasetVersion' && (node.props.datasetType === 'MODEL' || node.model)) return 'ModelVersion';
  return LOOKS[node.kind] ? node.kind : 'Other';
}

function kindOfId(id) {
  const prefix = id.slice(0, id.indexOf(':'));
  if (prefix === 'dataset') return id.includes('#') ? 'DatasetVersion' : 'Dataset';
  return {
    field: 'Field', run: 'Run', job: 'Job', output: 'Output', decision: 'Decision', review: 'Review',
    approval: 'Approval', evaluation: 'Evaluation', incident: 'Incident', usecase: 'UseCase',
  }[prefix] || 'Other';
}

function shortLabel(id) {
  const hash = id.lastIndexOf('#');
  if (id.startsWith('field:') && hash > 0) {
    const dataset = id.slice(0, hash);
    return `${dataset.slice(dataset.lastIndexOf(':') + 1)} › ${id.slice(hash + 1)}`;
  }
  if (id.startsWith('dataset:')) {
    const body = hash > 0 ? id.slice(0, hash) : id;
    const name = body.slice(body.lastIndexOf(':') + 1);
    return hash > 0 ? `${name}@${id.slice(hash + 1)}` : name;
  }
  return id.slice(id.indexOf(':') + 1);
}

function newNode(id, fields) {
  return {
    id, kind: 'Other', label: shortLabel(id), depth: 0, props: {}, findings: [], approval: null, status: null,
    external: false, gap: false, restricted: false, root: false, source: false, model: false, ...fields,
  };
}

function emptyModel(view, answer) {
  return { view, answer, rootIds: [], nodes: new Map(), edges: [], findings: new Map(), approvalsOf: new Map() };
}

function addEdge(model, seen, source, target, type, at, recorded) {
  const key = `${source}|${target}|${type}`;
  if (seen.has(key) || source === target) return;
  seen.add(key);
  model.edges.push({ id: `e${model.edges.length}`, source, target, type, at: at || null, recorded: recorded || null });
}

/** A TraceAnswer or ImpactAnswer as a model (view: 'trace' | 'impact'). */
export function fromProvenance(answer, view) {
  const model = emptyModel(view, answer);
  const gaps = new Set((answer.gaps || []).map((g) => g.node));
  for (const n of answer.nodes) {
    model.nodes.set(n.id, newNode(n.id, {
      kind: n.kind, label: n.label, depth: n.depth, props: n.props || {},
      restricted: Boolean(n.props && n.props.restricted), gap: gaps.has(n.id), root: n.id === answer.root.id,
    }));
  }
  if (!model.nodes.has(answer.root.id)) {
    model.nodes.set(answer.root.id, newNode(answer.root.id, { ...answer.root, root: true, findings: [] }));
  }
  model.rootIds = [answer.root.id];
  for (const f of answer.findings || []) {
    const node = model.nodes.get(f.node);
    if (node) node.findings.push(f);
    model.findings.set(f.node, [...(model.findings.get(f.node) || []), f]);
  }
  for (const a of answer.approvals || []) {
    const node = model.nodes.get(a.id);
    if (node) node.approval = a;
    for (const target of a.approves || []) model.approvalsOf.set(target, [...(model.approvalsOf.get(target) || []), a]);
  }
  const seen = new Set();
  for (const e of answer.edges) {
    const rel = RELATIONS[e.type] || { label: e.type.toLowerCase() };
    const [source, target] = rel.flip ? [e.target, e.source] : [e.source, e.target];
    addEdge(model, seen, source, target, e.type, e.at, e);
  }
  return model;
}

function strongest(a, b) {
  if (!a) return b;
  return STATUS_RANK.indexOf(b.status) < STATUS_RANK.indexOf(a.status) ? b : a;
}

/** A privacy FlowAnswer as a model: classified sources on the left, paths through fields, datasets, runs. */
export function fromFlows(answer) {
  const model = emptyModel('pii', answer);
  const reached = new Map();
  const groups = [['Field', answer.fields], ['Dataset', answer.datasets], ['ModelVersion', answer.models],
    ['Output', answer.outputs]];
  for (const [kind, items] of groups) {
    for (const item of items || []) {
      reached.set(item.id, strongest(reached.get(item.id), { ...item, kind }));
    }
  }
  const ensure = (id, depth) => {
    let node = model.nodes.get(id);
    if (!node) {
      node = newNode(id, { kind: kindOfId(id), depth });
      model.nodes.set(id, node);
    }
    node.depth = Math.min(node.depth, depth);
    return node;
  };
  const seen = new Set();
  const masked = new Set();
  for (const [kind, items] of groups) {
    for (const item of items || []) {
      const given = item.path && item.path.length ? item.path : [item.id];
      const path = given[given.length - 1] === item.id ? given : [...given, item.id];
      path.forEach((id, i) => ensure(id, i));
      let maskAt = -1;
      if (item.status === 'masked-after') {
        maskAt = path.length - 2;
        for (let i = 0; i + 1 < path.length; i += 1) if (path[i].startsWith('field:') && path[i + 1].startsWith('field:')) maskAt = i;
      }
      for (let i = 0; i + 1 < path.length; i += 1) {
        const [a, b] = [path[i], path[i + 1]];
        let type = 'FLOWS';
        if (i === maskAt) type = 'MASKED';
        else if (a.startsWith('field:') && b.startsWith('dataset:')) type = 'IN_DATASET';
        else if (a.startsWith('dataset:') && b.startsWith('run:')) type = 'READ_BY';
        else if (a.startsWith('run:') && kind === 'ModelVersion' && b === item.id) type = 'TRAINED';
        else if (a.startsWith('run:') && b.startsWith('output:')) type = 'PRODUCED';
        else if (i + 2 === path.length && item.status === 'possible') type = 'MAY_FLOW';
        if (type === 'MASKED') masked.add(`${a}|${b}`);
        addEdge(model, seen, a, b, type, null, null);
      }
    }
  }
  for (const node of model.nodes.values()) {
    const info = reached.get(node.id);
    if (info) {
      node.status = info.status;
      node.classification = info.classification;
      node.path = info.path;
      node.external = Boolean(info.external);
      node.model = info.kind === 'ModelVersion';
      node.source = info.status === 'declared';
    }
    if (node.kind === 'Field') {
      const dataset = node.id.slice('field:'.length, node.id.lastIndexOf('#'));
      if (model.nodes.has(`dataset:${dataset}`)) addEdge(model, seen, node.id, `dataset:${dataset}`, 'IN_DATASET');
    }
  }
  model.edges = model.edges.filter((e) => !(e.type === 'FLOWS' && masked.has(`${e.source}|${e.target}`)));
  model.rootIds = [...model.nodes.values()].filter((n) => n.source).map((n) => n.id);
  if (!model.rootIds.length) model.rootIds = [...model.nodes.values()].filter((n) => n.depth === 0).map((n) => n.id);
  return model;
}

/** The state lines shown under a node's name (on the drawing and in the text version). */
export function stateLines(node, model) {
  const lines = [];
  if (node.root) lines.push(model.view === 'impact' ? '◎ impact starts here' : '◎ traced from here');
  for (const f of node.findings.slice(0, 3)) lines.push(`⚠ ${f.rule} · ${f.clause}`);
  if (node.findings.length > 3) lines.push(`⚠ +${node.findings.length - 3} more finding(s)`);
  if (node.approval) {
    const { inForce, decision } = node.approval;
    const refused = decision && !['approved', 'conditional'].includes(decision);
    lines.push(inForce ? '✔ in force' : `✖ not in force${refused ? ` (${decision})` : ' at this time'}`);
  }
  if (node.kind === 'Review' && node.props.outcome) lines.push(`outcome: ${node.props.outcome}`);
  if (node.kind === 'Evaluation' && node.props.passed !== undefined) lines.push(node.props.passed ? '✔ passed' : '✖ failed');
  if (node.kind === 'Run' && node.props.state && node.props.state !== 'COMPLETED') lines.push(`state: ${node.props.state}`);
  if (node.status) lines.push(`${PII_STATUS[node.status]?.icon || '•'} ${node.status}`);
  if (node.external) lines.push('⚠ EXTERNAL: leaves the agency');
  if (node.gap) lines.push('○ origin not recorded');
  if (node.restricted) lines.push('restricted for this key');
  return lines;
}

/** "model version benefits-triage@v2" (without repeating the kind when the label already starts with it). */
export function describeNode(node) {
  const kind = LOOKS[lookOf(node)].badge.toLowerCase();
  return node.label.toLowerCase().startsWith(`${kind} `) ? node.label : `${kind} ${node.label}`;
}
