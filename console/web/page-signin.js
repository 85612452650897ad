// Sign-in: a user token is exchanged for a session cookie; the token itself is not kept.
import * as session from './api-session.js';
import { h, field, formError, clearErrors, showError, busy, heading } from './ui.js';

export function renderSignIn(main, message, onSignedIn) {
  const token = field({
    name: 'token', label: 'User token', kind: 'password',
    help: 'The triggerd user token your admin gave you (it starts with tdu_). It is sent once to open a session and is not stored in this browser.',
    attrs: { autocomplete: 'current-password', required: true },
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card narrow', novalidate: true }, formError(), token, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = form.querySelector('input[name=token]');
    await busy(submit, async () => {
      try {
        const s = await session.signIn(input.value.trim());
        input.value = '';
        await onSignedIn(s);
      } catch (e) {
        showError(form, e);
      }
    });
  });
  main.append(heading('Sign in to triggerd'),
    message ? h('p', { class: 'notice notice-info', role: 'status' }, message) : null,
    form);
  form.querySelector('input').focus();
}
