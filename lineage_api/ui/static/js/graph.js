/*
 * graph.js: the drawing. Cytoscape.js (vendored, global `cytoscape`) with the dagre layout, left to right:
 * nodes styled by kind (shape + colour + a text badge), edges by relation (line style + colour + label), findings,
 * approval states, external datasets and masked edges marked with both style and text. Keyboard: arrows move
 * between nodes along edges, Enter opens a node or expands a collapsed group; the focused node gets a thick
 * amber ring. Exports the drawing as PNG with a title block.
 */

import { LOOKS, RELATIONS, lookOf, stateLines, describeNode } from './model.js';
import { groupLabel } from './collapse.js';

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const READABLE = 0.6; // the smallest zoom a first drawing is shown at (Fit shows everything)
const SIZE = {
  Output: [1.3, 1.75], ModelVersion: [1.12, 1.35], Decision: [1.08, 1.3], UseCase: [1.2, 1.05],
  Approval: [1.12, 1.05], Review: [1.1, 1.3], Incident: [1.15, 1.3], Dataset: [1, 1.15],
};

function truncate(text, max) {
  if (text.length <= max) return text;
  const half = Math.floor((max - 1) / 2);
  return `${text.slice(0, half)}…${text.slice(text.length - half)}`;
}

function box(look, lines) {
  const [fw, fh] = SIZE[look] || [1, 1];
  return { w: Math.round(200 * fw), h: Math.round((16 + lines * 14) * fh) };
}

function nodeElement(node, model) {
  const look = lookOf(node);
  const info = LOOKS[look];
  const lines = [`${info.icon} ${info.badge}`, truncate(node.label, 34), ...stateLines(node, model)];
  const classes = [look];
  if (node.findings.length) classes.push('finding');
  if (node.approval) classes.push(node.approval.inForce ? 'inforce' : 'notinforce');
  for (const flag of ['external', 'root', 'gap', 'restricted', 'source']) if (node[flag]) classes.push(flag);
  if (node.status === 'masked-after') classes.push('masked');
  return { group: 'nodes', data: { id: node.id, label: lines.join('\n'), ...box(look, lines.length) }, classes: classes.join(' ') };
}

function groupElement(group, cap) {
  const label = groupLabel(group, cap);
  return { group: 'nodes', data: { id: group.id, label, ...box('Group', label.split('\n').length) }, classes: 'Group' };
}

function edgeElement(edge) {
  const rel = RELATIONS[edge.type] || { label: edge.type.toLowerCase(), line: 'solid', color: '#334155', width: 2 };
  const label = edge.type === 'GROUP' ? `${edge.count} link${edge.count === 1 ? '' : 's'}` : rel.label;
  return {
    group: 'edges',
    data: {
      id: edge.id, source: edge.source, target: edge.target, label,
      c: rel.color, w: rel.width || 2, ls: rel.line || 'solid', arrow: rel.arrow || 'triangle',
    },
    classes: edge.type === 'MASKED' ? 'masked' : '',
  };
}

function stylesheet() {
  const style = [
    {
      selector: 'node',
      style: {
        label: 'data(label)', width: 'data(w)', height: 'data(h)', 'text-wrap': 'wrap', 'text-max-width': 196,
        'font-size': 11, 'font-family': FONT, color: '#111827', 'text-valign': 'center', 'text-halign': 'center',
        'border-width': 2, 'min-zoomed-font-size': 5, 'line-height': 1.25,
      },
    },
    {
      selector: 'edge',
      style: {
        width: 'data(w)', 'line-color': 'data(c)', 'target-arrow-color': 'data(c)', 'target-arrow-shape': 'data(arrow)',
        'line-style': 'data(ls)', 'curve-style': 'bezier', label: 'data(label)', 'font-size': 10, 'font-family': FONT,
        color: '#111827', 'text-background-color': '#ffffff', 'text-background-opacity': 0.9,
        'text-background-padding': 2, 'min-zoomed-font-size': 7, 'arrow-scale': 1.3,
      },
    },
  ];
  for (const [look, info] of Object.entries(LOOKS)) {
    style.push({ selector: `node.${look}`, style: { shape: info.shape, 'background-color': info.fill, 'border-color': info.border } });
  }
  style.push(
    { selector: 'node.root', style: { 'border-width': 4, 'font-weight': 'bold' } },
    { selector: 'node.inforce', style: { 'border-width': 3, 'border-style': 'solid' } },
    { selector: 'node.notinforce', style: { 'border-style': 'dashed', 'border-color': '#4b5563', 'background-color': '#f3f4f6' } },
    { selector: 'node.gap, node.restricted, node.masked', style: { 'border-style': 'dashed' } },
    { selector: 'node.finding', style: { 'border-width': 7, 'border-style': 'double', 'border-color': '#b91c1c' } },
    { selector: 'node.external', style: { 'border-width': 8, 'border-style': 'double', 'border-color': '#b91c1c', 'background-color': '#fee2e2' } },
    { selector: 'node.source', style: { 'border-width': 4 } },
    { selector: 'node.Group', style: { 'border-style': 'dashed', 'font-weight': 'bold' } },
    { selector: 'edge.masked', style: { 'target-arrow-fill': 'filled', 'font-weight': 'bold', color: '#991b1b' } },
    {
      selector: 'node.focused',
      style: {
        'underlay-color': '#f59e0b', 'underlay-padding': 12, 'underlay-opacity': 1, 'underlay-shape': 'round-rectangle',
        'border-color': '#000000', 'border-width': 5,
      },
    },
  );
  return style;
}

function twoFrames() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

/** The drawing controller. handlers: {open(id), expand(groupId), announce(text), selected(id)}. */
export function createDrawing(container, handlers) {
  let cy = null;
  let model = null;
  let focused = null;

  function focusNode(id, { center = true } = {}) {
    if (!cy) return;
    const el = cy.getElementById(id);
    if (el.empty()) return;
    cy.nodes('.focused').removeClass('focused');
    el.addClass('focused');
    focused = id;
    if (center) {
      const ext = cy.extent();
      const p = el.position();
      if (p.x < ext.x1 || p.x > ext.x2 || p.y < ext.y1 || p.y > ext.y2) cy.center(el);
    }
    handlers.selected(id);
    handlers.announce(describe(id));
  }

  function describe(id) {
    const node = model && model.nodes.get(id);
    if (!node) return `collapsed group: ${cy.getElementById(id).data('label').replace(/\n/g, ' ')}`;
    const el = cy.getElementById(id);
    const up = el.incomers('node').length;
    const down = el.outgoers('node').length;
    const state = stateLines(node, model).join('; ');
    return `${describeNode(node)}${state ? `: ${state}` : ''}. ${up} upstream, ${down} downstream. Enter for details.`;
  }

  function activate(id) {
    if (id.startsWith('group:')) handlers.expand(id);
    else handlers.open(id);
  }

  function neighbour(direction) {
    const current = cy.getElementById(focused);
    const p = current.position();
    let candidates;
    if (direction === 'left') candidates = current.incomers('node');
    else if (direction === 'right') candidates = current.outgoers('node');
    else {
      const sameColumn = cy.nodes().filter((n) => n.id() !== focused && Math.abs(n.position('x') - p.x) < 30);
      candidates = sameColumn.filter((n) => (direction === 'up' ? n.position('y') < p.y : n.position('y') > p.y));
    }
    if (!candidates.length) return null;
    return candidates.sort((a, b) => Math.abs(a.position('y') - p.y) - Math.abs(b.position('y') - p.y))[0].id();
  }

  new ResizeObserver(() => cy && cy.resize()).observe(container);
  container.addEventListener('focus', () => {
    if (cy && !focused && model) focusNode(model.rootIds.find((id) => !cy.getElementById(id).empty()) || cy.nodes()[0].id());
  });
  container.addEventListener('keydown', (ev) => {
    if (!cy || !cy.nodes().length) return;
    const keys = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    if (!focused || cy.getElementById(focused).empty()) focused = cy.nodes()[0].id();
    if (keys[ev.key]) {
      const next = neighbour(keys[ev.key]);
      if (next) focusNode(next);
      else handlers.announce(`nothing further ${keys[ev.key]}`);
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      activate(focused);
    } else if (ev.key === 'Home') {
      focusNode(model.rootIds[0]);
    } else if (ev.key === '+' || ev.key === '=') {
      zoom(1.25);
    } else if (ev.key === '-') {
      zoom(0.8);
    } else if (ev.key === '0') {
      cy.fit(undefined, 24);
    } else {
      return;
    }
    ev.preventDefault();
  });

  function zoom(factor) {
    if (!cy) return;
    const level = cy.zoom() * factor;
    cy.zoom({ level, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
  }

  /** Draw a plan of a model; resolves with {ms, nodes, edges} once the layout ran and a frame was painted. */
  async function render(nextModel, plan, cap) {
    const t0 = performance.now();
    model = nextModel;
    const elements = [];
    for (const id of plan.visible) elements.push(nodeElement(model.nodes.get(id), model));
    for (const g of plan.groups.values()) elements.push(groupElement(g, cap));
    for (const e of plan.edges) elements.push(edgeElement(e));
    const keep = focused;
    if (cy) cy.destroy();
    const big = elements.length > 400;
    cy = cytoscape({
      container, elements, style: stylesheet(), layout: { name: 'preset' }, boxSelectionEnabled: false,
      autounselectify: true, minZoom: 0.03, maxZoom: 4, textureOnViewport: big, hideEdgesOnViewport: big,
      motionBlur: false,
    });
    cy.on('tap', 'node', (ev) => {
      focusNode(ev.target.id(), { center: false });
      activate(ev.target.id());
    });
    const layout = cy.layout({
      name: 'dagre', rankDir: 'LR', nodeSep: 14, rankSep: 100, edgeSep: 8, animate: false, fit: true, padding: 24,
      ranker: plan.visible.size > 500 ? 'longest-path' : 'network-simplex',
    });
    const done = new Promise((resolve) => layout.one('layoutstop', resolve));
    layout.run();
    await done;
    if (cy.zoom() > 1.1) {
      cy.zoom(1.1);
      cy.center();
    } else if (cy.zoom() < READABLE && model.rootIds.length) {
      // Too small to read: zoom to a readable size with the root near its edge of the flow (left, or right for a trace).
      const root = cy.getElementById(model.rootIds[0]);
      if (!root.empty()) {
        const p = root.position();
        const x = container.clientWidth * (model.view === 'trace' ? 0.88 : 0.12);
        cy.viewport({ zoom: READABLE, pan: { x: x - p.x * READABLE, y: container.clientHeight / 2 - p.y * READABLE } });
      }
    }
    focused = null;
    if (keep && !cy.getElementById(keep).empty()) focusNode(keep, { center: false });
    await twoFrames();
    return { ms: performance.now() - t0, nodes: cy.nodes().length, edges: cy.edges().length };
  }

  /** The drawing as a PNG Blob, with a title block above it. */
  async function png(title, subtitle) {
    if (!cy) throw new Error('nothing is drawn');
    const blob = cy.png({ output: 'blob', bg: '#ffffff', full: true, scale: 2, maxWidth: 8000, maxHeight: 8000 });
    const bitmap = await createImageBitmap(blob);
    const head = 90;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(bitmap.width, 900);
    canvas.height = bitmap.height + head;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#111827';
    ctx.font = `bold 28px ${FONT}`;
    ctx.fillText(title, 20, 38);
    ctx.font = `20px ${FONT}`;
    ctx.fillText(subtitle, 20, 72);
    ctx.drawImage(bitmap, 0, head);
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('no PNG'))), 'image/png'));
  }

  function clear() {
    if (cy) cy.destroy();
    cy = null;
    model = null;
    focused = null;
  }

  return {
    render,
    clear,
    png,
    zoom,
    fit: () => cy && cy.fit(undefined, 24),
    focus: (id) => focusNode(id),
    get cy() {
      return cy;
    },
    get focused() {
      return focused;
    },
  };
}

/** The legend: one entry per kind with its shape, colour and badge, and the relation line styles. */
export function renderLegend(el, looks) {
  const svgNS = 'http://www.w3.org/2000/svg';
  const shapes = {
    barrel: 'M2 4 Q12 0 22 4 L22 12 Q12 16 2 12 Z', 'round-rectangle': 'M4 2 H20 Q22 2 22 4 V12 Q22 14 20 14 H4 Q2 14 2 12 V4 Q2 2 4 2 Z',
    hexagon: 'M6 2 H18 L22 8 L18 14 H6 L2 8 Z', ellipse: 'M2 8 A10 6 0 1 0 22 8 A10 6 0 1 0 2 8 Z',
    'cut-rectangle': 'M5 2 H19 L22 5 V11 L19 14 H5 L2 11 V5 Z', diamond: 'M12 1 L23 8 L12 15 L1 8 Z',
    tag: 'M2 2 H17 L22 8 L17 14 H2 Z', 'round-pentagon': 'M12 1 L22 6 L19 15 H5 L2 6 Z',
    octagon: 'M7 1 H17 L22 5 V11 L17 15 H7 L2 11 V5 Z', rhomboid: 'M6 2 H22 L18 14 H2 Z',
    'bottom-round-rectangle': 'M2 2 H22 V11 Q22 14 19 14 H5 Q2 14 2 11 Z', 'concave-hexagon': 'M2 2 H22 L19 8 L22 14 H2 L5 8 Z',
    rectangle: 'M2 2 H22 V14 H2 Z',
  };
  const list = document.createElement('ul');
  for (const key of looks) {
    const info = LOOKS[key];
    const li = document.createElement('li');
    const svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 16');
    svg.setAttribute('width', '24');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(svgNS, 'path');
    path.setAttribute('d', shapes[info.shape] || shapes.rectangle);
    path.setAttribute('fill', info.fill);
    path.setAttribute('stroke', info.border);
    path.setAttribute('stroke-width', '1.5');
    svg.appendChild(path);
    li.append(svg, ` ${info.icon} ${info.badge.toLowerCase()}`);
    list.appendChild(li);
  }
  const marks = [
    ['mark-finding', '⚠ red double border: a compliance finding (rule · clause)'],
    ['mark-approval', '✔ in force / ✖ not in force (dashed): approval at the as-of time'],
    ['mark-external', '⚠ EXTERNAL: a dataset that leaves the agency'],
    ['mark-masked', '⊘ dashed red line ending in a bar: masking stops the classification'],
    ['mark-group', '▸ dashed box: collapsed nodes; press to expand'],
  ];
  for (const [cls, text] of marks) {
    const li = document.createElement('li');
    li.className = cls;
    li.textContent = text;
    list.appendChild(li);
  }
  el.replaceChildren(list);
}
