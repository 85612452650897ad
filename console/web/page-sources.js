// Code Source Authorization: one card per provider. GitHub binds through GitHub's Authorize
// page (or a personal token), GitLab with its server address and a private token. One account
// per provider; changing it means unbinding the old one first.
import * as sources from './api-sources.js';
import * as triggers from './api-triggers.js';
import * as hooks from './api-hooks.js';
import { h, field, formError, clearErrors, showError, notice, confirmDialog, when, badge, busy, heading } from './ui.js';

const names = { github: 'GitHub', gitlab: 'GitLab' };

function stateWarning(s) {
  if (s.state === 'expiring')
    return h('p', { class: 'warning', role: 'note' },
      `This token expires on ${when(s.expiresAt)}. Bind a new one before then, or builds of its triggers will stop.`);
  if (s.state === 'expired')
    return h('p', { class: 'warning', role: 'note' }, 'This token has expired: its triggers cannot build. Unbind it and bind a new one.');
  if (s.state === 'revoked')
    return h('p', { class: 'warning', role: 'note' },
      `${names[s.provider]} refuses this token (revoked, or it lost a permission triggerd needs). Unbind it and bind a new one.`);
  return null;
}

function boundCard(app, s, refresh) {
  const unbindButton = h('button', { type: 'button', class: 'danger' }, `Unbind ${names[s.provider]}`);
  unbindButton.addEventListener('click', () => confirmUnbind(app, s, unbindButton, refresh));
  return h('section', { class: 'card', 'aria-labelledby': `${s.provider}-title` },
    h('h2', { id: `${s.provider}-title` }, names[s.provider], ' ', badge(s.state)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Account'), h('dd', {}, s.login),
      h('dt', {}, 'Server'), h('dd', {}, s.apiUrl),
      h('dt', {}, 'Scopes'), h('dd', {}, s.scopes.join(', ') || '—'),
      h('dt', {}, 'Token expires'), h('dd', {}, s.expiresAt ? when(s.expiresAt) : 'never'),
      h('dt', {}, 'Bound'), h('dd', {}, when(s.boundAt)),
      h('dt', {}, 'Last checked'), h('dd', {}, when(s.checkedAt))),
    stateWarning(s),
    s.warning ? h('p', { class: 'warning', role: 'note' }, s.warning) : null,
    h('p', { class: 'help' }, `To use another ${names[s.provider]} account, unbind this one first.`),
    h('div', { class: 'actions' }, unbindButton));
}

// The confirmation names what unbinding does: the triggers it disables and the hooks it removes.
async function confirmUnbind(app, s, button, refresh) {
  let affected = [];
  try {
    affected = (await triggers.list(app.user)).filter((t) => t.provider === s.provider && t.enabled);
  } catch (e) {
    notice(`Could not list your triggers: ${e.message}`, 'error');
    return;
  }
  const withHooks = affected.filter((t) => hooks.state(t).installed);
  const body = h('div', {},
    h('p', {}, `Unbind the ${names[s.provider]} account ${s.login}? triggerd forgets its token.`),
    affected.length
      ? [h('p', {}, `These ${affected.length} trigger(s) will be disabled (kept, so binding again and enabling them restores them):`),
        h('ul', { class: 'affected' }, affected.map((t) => h('li', {}, `${t.repository} → ${t.image}`)))]
      : h('p', {}, 'No enabled trigger uses this account.'),
    withHooks.length
      ? [h('p', {}, `These ${withHooks.length} webhook(s) will be removed from the repositories:`),
        h('ul', { class: 'affected' }, withHooks.map((t) => h('li', {}, t.repository)))]
      : h('p', {}, 'No webhook installed by triggerd needs removing; webhooks you added by hand stay in the repositories’ settings.'));
  const ok = await confirmDialog({ title: `Unbind ${names[s.provider]}?`, body, confirmLabel: `Unbind ${s.login}` });
  if (!ok) return;
  await busy(button, async () => {
    try {
      const report = await sources.unbind(app.user, s.provider);
      let text = `${names[s.provider]} unbound. ${report.triggersDisabled} trigger(s) disabled, ${report.hooksRemoved} webhook(s) removed.`;
      if (report.note) text += ` ${report.note}`;
      notice(text, 'info');
      await refresh();
    } catch (e) {
      notice(e.message, 'error');
    }
  });
}

function githubCard(app, refresh) {
  const authorize = h('button', { type: 'button', class: 'primary' }, 'Authorize to sync GitHub code source');
  const authorizeError = formError();
  authorize.addEventListener('click', () => busy(authorize, async () => {
    authorizeError.hidden = true;
    try {
      const { url } = await sources.authorizeGithub(app.user);
      location.assign(url);
    } catch (e) {
      authorizeError.textContent = e.message;
      authorizeError.hidden = false;
    }
  }));

  const token = field({
    name: 'token', label: 'Personal access token', kind: 'password',
    help: 'Instead of authorizing: a GitHub token with the repo scope (it lets triggerd list your repositories and manage their webhooks).',
  });
  const bind = h('button', { type: 'submit', class: 'secondary' }, 'Bind token');
  const form = h('form', { novalidate: true, 'aria-label': 'Bind a GitHub token' }, formError(), token, h('div', { class: 'actions' }, bind));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(bind, async () => {
      try {
        await sources.bindGithubToken(app.user, form.elements.token.value.trim());
        notice('GitHub account bound.', 'info');
        await refresh();
      } catch (e) { showError(form, e); }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'github-title' },
    h('h2', { id: 'github-title' }, 'GitHub'),
    h('p', {}, 'Authorize triggerd on GitHub’s own page; you come back here once GitHub has asked you to approve. The authorization is tied to this signed-in session.'),
    authorizeError,
    h('div', { class: 'actions' }, authorize),
    h('details', {}, h('summary', {}, 'Use a personal access token instead'), form));
}

function gitlabCard(app, refresh) {
  const form = h('form', { novalidate: true, 'aria-label': 'Bind a GitLab account' },
    formError(),
    field({
      name: 'service_address', label: 'Service address',
      help: 'The root of your GitLab server over HTTP or HTTPS, as triggerd can reach it, e.g. https://gitlab.example.com (or https://example.com/gitlab). Not a project or group URL.',
      attrs: { inputmode: 'url', placeholder: 'https://gitlab.example.com' },
    }),
    field({
      name: 'private_token', label: 'Private token', kind: 'password',
      help: 'A personal access token with the api scope (triggerd lists projects and manages their webhooks). Give it an expiry date you will remember to renew: triggerd warns a week before.',
    }),
    h('details', {}, h('summary', {}, 'Private certificate authority (optional)'),
      field({
        name: 'ca_certificate', label: 'CA certificate (PEM)', kind: 'textarea',
        help: 'Only when your GitLab server’s certificate is signed by your own CA: paste that CA, -----BEGIN CERTIFICATE----- included.',
      })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Bind GitLab')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form.querySelector('button[type=submit]'), async () => {
      try {
        await sources.bindGitlab(app.user, {
          serviceAddress: form.elements.service_address.value.trim(),
          privateToken: form.elements.private_token.value.trim(),
          caCertificate: form.elements.ca_certificate.value.trim(),
        });
        notice('GitLab account bound.', 'info');
        await refresh();
      } catch (e) { showError(form, e); }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'gitlab-title' },
    h('h2', { id: 'gitlab-title' }, 'GitLab'), form);
}

export async function renderSources(main, app) {
  const cards = h('div', { class: 'cards' });
  main.append(heading('Code Source Authorization'),
    h('p', { class: 'lead' }, 'Bind one GitHub and one GitLab account; triggerd uses them to list repositories and install webhooks.'),
    cards);
  const refresh = async () => {
    let bound = [];
    try { bound = await sources.list(app.user); } catch (e) { notice(e.message, 'error'); return; }
    const by = Object.fromEntries(bound.map((s) => [s.provider, s]));
    cards.replaceChildren(
      by.github ? boundCard(app, by.github, refresh) : githubCard(app, refresh),
      by.gitlab ? boundCard(app, by.gitlab, refresh) : gitlabCard(app, refresh));
  };
  await refresh();
}
