// DOM helpers shared by the pages. Text always goes in as text (never as HTML), so nothing a
// provider or a user typed can become markup.

// h('p', {class: 'help'}, 'text', child, ...): an element; attributes starting with "on" are
// listeners, `hidden`/`disabled`/`checked` booleans.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let idCounter = 0;
const nextId = (base) => `${base.replace(/[^A-Za-z0-9_-]/g, '-')}-${++idCounter}`;

// A labelled input with its help text and an error slot, named after the API field it feeds.
// kind: 'text' | 'password' | 'textarea' | 'select' | 'checkbox'
export function field({ name, label, help, kind = 'text', value = '', options = [], attrs = {} }) {
  const id = nextId(name);
  const helpId = help ? `${id}-help` : null;
  const errorId = `${id}-error`;
  const described = [helpId, errorId].filter(Boolean).join(' ');
  let input;
  if (kind === 'textarea') {
    input = h('textarea', { id, name, 'aria-describedby': described, rows: 4, ...attrs }, value);
  } else if (kind === 'select') {
    input = h('select', { id, name, 'aria-describedby': described, ...attrs },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  } else if (kind === 'checkbox') {
    input = h('input', { id, name, type: 'checkbox', 'aria-describedby': described, checked: !!value, ...attrs });
  } else {
    input = h('input', { id, name, type: kind, value, 'aria-describedby': described, autocomplete: 'off', spellcheck: 'false', ...attrs });
  }
  const wrap = h('div', { class: `field field-${kind}`, 'data-field': name },
    kind === 'checkbox' ? h('div', { class: 'check' }, input, h('label', { for: id }, label)) : [h('label', { for: id }, label), input],
    help ? h('p', { class: 'help', id: helpId }, help) : null,
    h('p', { class: 'error', id: errorId, hidden: true }));
  return wrap;
}

export function formError() {
  return h('p', { class: 'error form-error', role: 'alert', hidden: true });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.error')) { el.textContent = ''; el.hidden = true; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// Shows an API error next to the field it names ("rules[1].tags[0]" falls back to "rules[1].tags",
// then "rules[1]"), or at the top of the form; focuses the field.
export function showError(form, error) {
  let name = error.field || '';
  while (name) {
    const wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (wrap) {
      const slot = wrap.querySelector('.error');
      slot.textContent = error.message;
      slot.hidden = false;
      const input = wrap.querySelector('input, textarea, select');
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
      return;
    }
    const shorter = name.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');
    if (shorter === name) break;
    name = shorter;
  }
  const slot = form.querySelector('.form-error');
  if (slot) {
    slot.textContent = error.message;
    slot.hidden = false;
    slot.setAttribute('tabindex', '-1');
    slot.focus();
  } else {
    notice(error.message, 'error');
  }
}

export function notice(message, kind = 'info') {
  const el = document.getElementById('notice');
  el.textContent = message;
  el.className = `notice notice-${kind}`;
  el.hidden = !message;
}

// A modal confirmation; resolves true when confirmed. Escape and "Cancel" resolve false.
export function confirmDialog({ title, body, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    const titleId = nextId('dialog-title');
    const confirm = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', value: 'yes' }, confirmLabel);
    const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'confirm' },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        body,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'secondary', value: 'no' }, 'Cancel'),
          confirm)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'yes');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    confirm.focus();
  });
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const badgeText = {
  valid: 'valid', expiring: 'expiring soon', expired: 'expired', revoked: 'revoked',
  queued: 'queued', running: 'running', success: 'succeeded', failure: 'failed', canceled: 'canceled',
  superseded: 'superseded', dead: 'gave up',
};

export function badge(state) {
  return h('span', { class: `badge badge-${state}` }, badgeText[state] || state);
}

// Disables a button while `work` runs, so a double click does not send twice.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function heading(text) {
  return h('h1', { tabindex: '-1' }, text);
}
