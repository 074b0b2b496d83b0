/*
 * api.js: the page's only way to the server. Calls /api/v1 on the same origin with the API key entered on the
 * page (kept in sessionStorage for this tab only, sent as "Authorization: Bearer <key>"), turns the service's one
 * error shape ({"error": {code, message, field}}) into ApiError, and parses typed node ids like the server does.
 */

const KEY_STORAGE = 'ai-lineage.apiKey';
const ROOT = new URL('../', document.baseURI); // the page is served at <root>/ui/
let memoryKey = ''; // used when sessionStorage is disabled

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lives for this page only */
  }
  memoryKey = key || '';
}

function headers(accept) {
  const out = { Accept: accept };
  const key = getKey() || memoryKey;
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

export function apiUrl(path, params = {}) {
  const url = new URL(path.replace(/^\//, ''), ROOT);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  return url;
}

/** GET a JSON answer; throws ApiError with the server's message on any non-2xx. */
export async function getJSON(path, params = {}, { signal } = {}) {
  let response;
  try {
    response = await fetch(apiUrl(path, params), { headers: headers('application/json'), signal, credentials: 'omit' });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', `the server did not answer (${err.message})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code || 'http_error', error.message || response.statusText, error.field);
  }
  return body;
}

/** Every item of a paged catalog list (jobs, datasets), up to `max` items. */
export async function getAll(path, itemsKey, { max = 2000, params = {} } = {}) {
  const items = [];
  let offset = 0;
  while (offset !== null && items.length < max) {
    const page = await getJSON(path, { ...params, limit: 1000, offset });
    items.push(...page[itemsKey]);
    offset = page.nextOffset ?? null;
  }
  return items.slice(0, max);
}

/** What a failed call means for a person, naming the permission when a key lacks one. */
export function explain(err, what) {
  if (!(err instanceof ApiError)) return `${what} failed: ${err.message}`;
  if (err.status === 401) return `${what} needs an API key: enter one above (${err.message}).`;
  if (err.status === 403) return `${what} is not allowed for this key: ${err.message}.`;
  if (err.status === 404) return `${what}: ${err.message}.`;
  if (err.status === 400) return `${what}: ${err.message}${err.field ? ` (field ${err.field})` : ''}.`;
  if (err.status === 503) return `${what}: ${err.message} (the server is busy or its store is down; try again).`;
  return `${what} failed (${err.status || 'no answer'}): ${err.message}`;
}

const URI_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/:,]*(:\d+)?(,[^/:,]*(:\d+)?)*/;

/** Parse a typed node id the way lineage_api.core.ids does: {kind, namespace, name, version, field, key}. */
export function parseId(id) {
  const colon = id.indexOf(':');
  if (colon < 1) return { kind: null, key: id };
  const kind = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (kind === 'dataset' || kind === 'field' || kind === 'job') {
    let body = rest;
    let suffix = null;
    if (kind !== 'job' && rest.includes('#')) {
      body = rest.slice(0, rest.lastIndexOf('#'));
      suffix = rest.slice(rest.lastIndexOf('#') + 1);
    }
    const match = URI_AUTHORITY.exec(body);
    const split = body.indexOf(':', match ? match[0].length : 0);
    const namespace = split < 0 ? body : body.slice(0, split);
    const name = split < 0 ? '' : body.slice(split + 1);
    if (kind === 'field') return { kind, namespace, name, field: suffix, dataset: `dataset:${namespace}:${name}` };
    return { kind, namespace, name, version: suffix, dataset: `dataset:${namespace}:${name}` };
  }
  return { kind, key: rest };
}

export const TRACEABLE = new Set(['Output', 'Decision', 'Run', 'Dataset', 'DatasetVersion']);
export const IMPACTABLE = new Set(['Dataset', 'DatasetVersion', 'Run', 'Output']);
export const KIND_PREFIXES = ['decision', 'output', 'run', 'review', 'approval', 'evaluation', 'incident', 'usecase'];
