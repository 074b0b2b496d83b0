/*
 * dom.js: small DOM helpers. Everything the API returns is data from producers, so text is only ever set with
 * textContent / text nodes (never innerHTML).
 */

/** h('p', {class: 'x', onclick: fn}, 'text', child, ...): an element with attributes, listeners and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An ISO time as "2026-11-26 09:12:02.029 UTC" (the exact ISO text stays in the title/datetime attribute). */
export function fmtTime(iso) {
  if (!iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3] || ''} UTC` : iso;
}

export function time(iso) {
  return h('time', { datetime: iso, title: iso }, fmtTime(iso));
}

/** A value from props/facets as text: scalars as is, objects as compact JSON. */
export function fmtValue(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
  return String(value);
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' }, filename);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function safeName(text) {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'lineage';
}

/** A definition list from [term, description] pairs (descriptions may be nodes); empty values are skipped. */
export function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, term), h('dd', {}, value instanceof Node ? value : fmtValue(value)));
  }
  return dl;
}
