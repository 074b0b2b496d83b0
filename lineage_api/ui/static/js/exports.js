/*
 * exports.js: what the page exports for a report: the answer as JSON (as the API gave it), the trace as W3C
 * PROV-JSON (asked from the API: GET /api/v1/trace?format=prov with the same parameters), and the drawing as PNG
 * with a title block (what, as of when, complete or not). Files are offered as downloads named after the view and
 * the root, e.g. lineage-trace-decision_dec-C-1002.png.
 */

import { getJSON } from './api.js';
import { download, safeName } from './dom.js';

function fileName(model, ext) {
  const what = model.view === 'pii' ? model.answer.classification : model.answer.root.id;
  return `lineage-${model.view}-${safeName(what)}.${ext}`;
}

function json(value) {
  return new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' });
}

/** Export `kind` ('json' | 'prov' | 'png'); ctx: {model, request, drawing, title, version}. Returns what was saved. */
export async function exportAnswer(kind, { model, request, drawing, title, version }) {
  if (kind === 'json') {
    download(json(model.answer), fileName(model, 'json'));
    return 'JSON';
  }
  if (kind === 'prov') {
    if (model.view !== 'trace') throw new Error('PROV-JSON is available for traces');
    const params = { nodeId: model.answer.root.id, asOf: request.asOf, depth: request.depth, format: 'prov' };
    download(json(await getJSON('/api/v1/trace', params)), fileName(model, 'prov.json'));
    return 'PROV-JSON';
  }
  const a = model.answer;
  const when = model.view === 'trace' ? `as of ${a.asOf}`
    : model.view === 'impact' ? `window ${a.since || 'the beginning'} → ${a.until || 'now'}` : `classification ${a.classification}`;
  const subtitle = `${when} · ${a.complete ? 'complete' : 'INCOMPLETE'} · ai-lineage ${version}`;
  download(await drawing.png(title, subtitle), fileName(model, 'png'));
  return 'PNG';
}
