/*
 * keys.js: the API key field's feedback and what a key may list. checkKey asks GET /api/v1/namespaces with the
 * current key (none under --insecure-dev) and says whether the server accepts it; loadClassifications fills the
 * PII view's suggestions from the classifications of the datasets this key may see.
 */

import { getJSON, getAll, getKey, explain } from './api.js';
import { h } from './dom.js';

/** Whether the server answers with the current key; the outcome is written to `status` (a role=status element). */
export async function checkKey(status) {
  try {
    const page = await getJSON('/api/v1/namespaces', { limit: 1000 });
    status.textContent = getKey() ? `✔ key accepted (${page.namespaces.length} namespace(s) visible)` : '✔ no key needed';
    return true;
  } catch (err) {
    status.textContent = err.status === 401 ? '✖ this server needs an API key' : `✖ ${explain(err, 'The key check')}`;
    return false;
  }
}

/** Classifications on the datasets' fields, as <option>s of `datalist`. */
export async function loadClassifications(datalist) {
  try {
    const datasets = await getAll('/api/v1/datasets', 'datasets');
    const names = new Set(['pii', 'pii.ssn', 'protected']);
    datasets.forEach((d) => d.fields.forEach((f) => f.classifications.forEach((c) => names.add(c))));
    datalist.replaceChildren(...[...names].sort().map((n) => h('option', { value: n })));
  } catch {
    /* the list is a convenience */
  }
}
