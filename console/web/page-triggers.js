// Build triggers: the list with each webhook's state (repair, rotate its secret, enable,
// disable, run, delete), and the create form with its rules, tag templates and a live preview
// of the tags a sample ref would get.
import * as triggers from './api-triggers.js';
import * as hooks from './api-hooks.js';
import * as jobs from './api-jobs.js';
import * as sources from './api-sources.js';
import { h, field, formError, clearErrors, showError, notice, confirmDialog, when, badge, busy, heading } from './ui.js';

const providerName = (p) => (p === 'github' ? 'GitHub' : 'GitLab');

function hookSummary(t) {
  const s = hooks.state(t);
  const items = [
    h('li', { class: 'hook-installed' }, s.installed
      ? ['Installed by triggerd', s.id ? [' (hook ', h('code', {}, s.id), ')'] : null]
      : 'Added by hand (not managed by triggerd)'),
    h('li', {}, s.verified ? 'Verified: a signed delivery arrived' : 'Not verified yet: no signed delivery arrived'),
  ];
  if (s.active !== null) items.push(h('li', {}, s.active ? 'Active at the provider' : 'Inactive at the provider: no pushes arrive'));
  if (s.signed) items.push(h('li', {}, 'Deliveries are signed'));
  if (s.lastCheckedAt) items.push(h('li', {}, `Last checked ${when(s.lastCheckedAt)}`));
  if (s.lastRepair) items.push(h('li', {}, `Last repair: ${s.lastRepair}`));
  if (s.lastError) items.push(h('li', { class: 'warning' }, `Last error: ${s.lastError}`));
  if (s.missedPushes.length) items.push(h('li', { class: 'warning' }, `Missed pushes: ${s.missedPushes.join(', ')}`));
  return h('ul', { class: 'hook-state', 'aria-label': 'Webhook state' }, items);
}

const outcomeText = {
  ok: 'The webhook is as it should be.',
  repaired: 'The webhook was repaired.',
  problems: 'The webhook has problems:',
  failed: 'The webhook could not be worked on:',
};

// What a check, repair, rotation or install found and did.
function reportView(r) {
  if (!r) return null;
  const lines = [...r.actions.map((a) => h('li', {}, a)),
    ...r.problems.map((p) => h('li', { class: 'warning' }, p))];
  if (r.wasDisabled) lines.push(h('li', { class: 'warning' }, `The provider had disabled it: ${r.wasDisabled}`));
  if (r.redelivered) lines.push(h('li', {}, `${r.redelivered} failed delivery(ies) sent again`));
  if (r.error) lines.push(h('li', { class: 'error' }, r.error));
  return h('div', { class: 'hook-report', 'data-outcome': r.outcome },
    h('p', {}, outcomeText[r.outcome] || r.outcome),
    lines.length ? h('ul', {}, lines) : null);
}

// The newest jobs of one trigger, loaded after the card is shown.
function recentJobs(app, t) {
  const box = h('div', { class: 'recent-jobs', 'aria-label': 'Recent jobs' }, h('p', { class: 'help' }, 'Loading recent jobs…'));
  jobs.list(app.user, { trigger: t.id, perPage: 5 }).then((list) => {
    box.replaceChildren(list.length
      ? h('ul', { class: 'plain' }, list.map((j) => h('li', { 'data-job': j.id }, badge(j.state), ' ',
        h('code', {}, j.ref.replace(/^refs\/(heads|tags)\//, '')), ' ', h('code', {}, j.sha.slice(0, 7)), ' ', when(j.createdAt))))
      : h('p', { class: 'help' }, 'No jobs yet.'));
  }).catch((e) => box.replaceChildren(h('p', { class: 'error' }, e.message)));
  return box;
}

// The webhook's URL and (once) its secret, for pasting into the repository's settings; for a
// hook triggerd installed, what it set there (its secret is never shown).
function webhookBox(w, provider, installed) {
  if (!w) return null;
  const intro = w.secret ? 'Copy the secret now: triggerd shows it only this once.'
    : installed ? `triggerd keeps this webhook in the repository’s settings on ${provider === 'github' ? 'GitHub' : 'GitLab'}, with a secret it does not show.`
      : 'The webhook:';
  return h('div', { class: 'secret-box', role: 'group', 'aria-label': 'Webhook settings' },
    h('p', {}, intro),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Payload URL'), h('dd', {}, h('code', { class: 'webhook-url' }, w.url)),
      w.secret ? [h('dt', {}, provider === 'gitlab' ? 'Secret token' : 'Secret'), h('dd', {}, h('code', { class: 'webhook-secret' }, w.secret))] : null,
      w.previousSecretValidUntil ? [h('dt', {}, 'Old secret valid until'), h('dd', {}, when(w.previousSecretValidUntil))] : null),
    installed ? null : h('p', { class: 'help' }, provider === 'github'
      ? 'GitHub: Settings → Webhooks, content type application/json, event "push".'
      : 'GitLab: Settings → Webhooks, secret token, Push events and Tag push events.'));
}

function triggerCard(app, t, refresh) {
  const output = h('div', { role: 'status', 'aria-live': 'polite' });
  const act = (label, cls, work) => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', () => busy(b, async () => {
      try { await work(); } catch (e) { notice(e.message, 'error'); }
    }));
    return b;
  };
  const hookState = hooks.state(t);
  const check = hookState.installed ? act('Check webhook', 'secondary', async () => {
    const r = await hooks.check(app.user, t.id);
    output.replaceChildren(h('p', {}, 'Webhook checked.'), reportView(r.report), hookSummary(r.trigger));
  }) : null;
  const repair = hookState.installed ? act('Repair webhook', 'secondary', async () => {
    const r = await hooks.repair(app.user, t.id);
    output.replaceChildren(h('p', {}, 'Webhook repaired.'), reportView(r.report), hookSummary(r.trigger));
  }) : null;
  const rotate = act('Rotate secret', 'secondary', async () => {
    const ok = await confirmDialog({
      title: 'Rotate the webhook secret?',
      body: h('p', {}, hookState.installed
        ? `A new secret for ${t.repository}, set on its webhook by triggerd. The old one keeps verifying deliveries for a grace period.`
        : `A new secret for ${t.repository}. The old one keeps verifying deliveries for a grace period, so the repository’s settings can be updated meanwhile.`),
      confirmLabel: 'Rotate', danger: false,
    });
    if (!ok) return;
    const r = await hooks.rotate(app.user, t.id);
    output.replaceChildren(h('p', {}, 'Secret rotated.'), reportView(r.report), webhookBox(r.webhook, t.provider, hookState.installed));
  });
  const toggle = act(t.enabled ? 'Disable' : 'Enable', 'secondary', async () => {
    await triggers.setEnabled(app.user, t.id, !t.enabled);
    await refresh();
  });
  const remove = act('Delete', 'danger', async () => {
    const ok = await confirmDialog({
      title: 'Delete this trigger?',
      body: h('p', {}, `${t.repository} → ${t.image} stops building. Its job history stays.`),
      confirmLabel: 'Delete trigger',
    });
    if (!ok) return;
    const gone = await triggers.remove(app.user, t.id);
    notice(!gone.hook ? 'Trigger deleted.'
      : gone.hook.error ? `Trigger deleted; its webhook could not be removed: ${gone.hook.error}`
        : 'Trigger deleted with its webhook.', 'info');
    await refresh();
  });
  const runForm = h('form', { class: 'inline', novalidate: true, 'aria-label': `Run ${t.repository} now` },
    field({ name: 'ref', label: 'Run now on ref', value: 'refs/heads/main', help: 'A branch or tag, e.g. refs/heads/main or refs/tags/v1.2.3.' }),
    h('button', { type: 'submit', class: 'secondary' }, 'Run'), formError());
  runForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(runForm);
    await busy(runForm.querySelector('button'), async () => {
      try {
        const started = await jobs.run(app.user, t.id, runForm.elements.ref.value.trim());
        notice(started.duplicate ? 'Already queued: nothing new.'
          : `${started.jobs.length} job(s) queued for ${started.ref} at ${started.sha.slice(0, 7)}.`, 'info');
      } catch (e) { showError(runForm, e); }
    });
  });
  return h('article', { class: 'card trigger', 'data-trigger': t.id, 'aria-labelledby': `t-${t.id}` },
    h('h2', { id: `t-${t.id}` }, t.repository, ' ', h('span', { class: 'badge' }, providerName(t.provider)),
      ' ', h('span', { class: `badge ${t.enabled ? 'badge-valid' : 'badge-revoked'}` }, t.enabled ? 'enabled' : 'disabled')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Image'), h('dd', {}, h('code', {}, t.image)),
      h('dt', {}, 'Rules'), h('dd', {}, h('ul', { class: 'plain' }, t.rules.map((r) =>
        h('li', {}, `${r.kind} `, h('code', {}, r.match), ' → ', h('code', {}, (r.tags || []).join(', ')))))),
      h('dt', {}, 'Webhook'), h('dd', {}, hookSummary(t)),
      h('dt', {}, 'Created'), h('dd', {}, when(t.createdAt))),
    h('h3', {}, 'Recent jobs'), recentJobs(app, t),
    h('div', { class: 'actions' }, check, repair, rotate, toggle,
      h('a', { class: 'button secondary', href: `#/jobs?trigger=${encodeURIComponent(t.id)}` }, 'Jobs'), remove),
    runForm, output);
}

async function renderList(main, app) {
  const list = h('div', { class: 'cards single' });
  main.append(heading('Build triggers'),
    h('div', { class: 'actions' }, h('a', { class: 'button primary', href: '#/triggers/new' }, 'New trigger')), list);
  const refresh = async () => {
    let all;
    try { all = await triggers.list(app.user); } catch (e) { notice(e.message, 'error'); return; }
    list.replaceChildren(...(all.length ? all.map((t) => triggerCard(app, t, refresh))
      : [h('p', {}, 'No triggers yet. Pick a repository under ', h('a', { href: '#/repos' }, 'Repositories'), ' or create one here.')]));
  };
  await refresh();
}

function ruleRow(index, rule, onChange, onRemove) {
  const row = h('fieldset', { class: 'rule', 'data-field': `rules[${index}]` },
    h('legend', {}, `Rule ${index + 1}`),
    h('p', { class: 'error', hidden: true }),
    field({ name: `rules[${index}].kind`, label: 'Builds on', kind: 'select', value: rule.kind,
      options: [['branch', 'a branch push'], ['tag', 'a tag push']] }),
    field({ name: `rules[${index}].match`, label: 'Name pattern', value: rule.match,
      help: 'An RE2 pattern for the whole branch or tag name, e.g. main or v(\\d+)\\.(\\d+)\\.(\\d+).' }),
    field({ name: `rules[${index}].tags`, label: 'Image tags', value: rule.tags.join(', '),
      help: 'Tag templates, separated by commas: {branch} {tag} {sha} {sha:7} {1}..{9} (pattern groups) {timestamp}.' }));
  row.addEventListener('input', onChange);
  row.addEventListener('change', onChange);
  if (onRemove) {
    const remove = h('button', { type: 'button', class: 'link' }, `Remove rule ${index + 1}`);
    remove.addEventListener('click', onRemove);
    row.append(remove);
  }
  return row;
}

function readRules(form) {
  return [...form.querySelectorAll('fieldset.rule')].map((row, i) => ({
    kind: row.querySelector(`[name="rules[${i}].kind"]`).value,
    match: row.querySelector(`[name="rules[${i}].match"]`).value,
    tags: row.querySelector(`[name="rules[${i}].tags"]`).value.split(',').map((s) => s.trim()).filter(Boolean),
  }));
}

async function renderCreate(main, app, where) {
  let bound = [];
  try { bound = await sources.list(app.user); } catch (e) { notice(e.message, 'error'); }
  const providers = bound.map((s) => [s.provider, `${providerName(s.provider)} (${s.login})`]);
  main.append(heading('New build trigger'));
  if (!providers.length) {
    main.append(h('p', {}, 'Bind a code source first: ', h('a', { href: '#/sources' }, 'Code sources'), '.'));
    return;
  }
  let rules = [
    { kind: 'branch', match: 'main', tags: ['latest', 'main-{sha:7}'] },
    { kind: 'tag', match: 'v(\\d+)\\.(\\d+)\\.(\\d+)', tags: ['{1}.{2}.{3}', '{1}.{2}'] },
  ];
  const rulesBox = h('div', { class: 'rules' });
  const previewOut = h('div', { class: 'preview', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-label': 'New build trigger' },
    formError(),
    field({ name: 'provider', label: 'Code source', kind: 'select', options: providers,
      value: where.params.get('provider') || providers[0][0] }),
    field({ name: 'repository', label: 'Repository', value: where.params.get('repository') || '',
      help: 'owner/name on GitHub, group/project on GitLab.', attrs: { placeholder: 'octo/app' } }),
    field({ name: 'image', label: 'Image', help: 'Where builds push, without a tag: registry.example.com/team/app.',
      attrs: { placeholder: 'registry.example.com/team/app' } }),
    field({ name: 'install_hook', label: 'Install the webhook in the repository for me', kind: 'checkbox', value: true,
      help: 'triggerd adds the webhook with the account you bound. Untick to add it by hand from the URL and secret shown after creation.' }),
    h('h2', {}, 'Rules'),
    h('p', { class: 'help' }, 'Every rule a push matches makes one build with its tags.'),
    rulesBox,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'add-rule' }, 'Add a rule')),
    h('h2', {}, 'Preview'),
    field({ name: 'ref', label: 'Sample ref', value: 'refs/tags/v1.2.3',
      help: 'A branch or tag as a push would name it; the tags below update as you type.' }),
    previewOut,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create trigger')));
  const result = h('div', {});
  main.append(form, result);

  let timer = null;
  const runPreview = async () => {
    const ref = form.elements.ref.value.trim();
    if (!ref) { previewOut.replaceChildren(); return; }
    try {
      const p = await triggers.preview(app.user, readRules(form), ref);
      previewOut.replaceChildren(p.builds.length
        ? h('ul', { class: 'plain' }, p.builds.map((b) => h('li', {}, `Rule ${b.rule + 1} builds `,
          b.tags.length ? b.tags.map((t, i) => [i ? ', ' : '', h('code', { class: 'tag' }, t)]) : 'no valid tag')))
        : h('p', {}, `Nothing builds for ${p.kind} ${p.name}.`));
    } catch (e) {
      previewOut.replaceChildren(h('p', { class: 'error' }, e.field ? `${e.field}: ${e.message}` : e.message));
    }
  };
  const schedule = () => { clearTimeout(timer); timer = setTimeout(runPreview, 250); };
  const drawRules = () => {
    rulesBox.replaceChildren(...rules.map((r, i) => ruleRow(i, r, schedule, rules.length > 1 ? () => {
      rules = readRules(form); rules.splice(i, 1); drawRules(); schedule();
    } : null)));
  };
  drawRules();
  form.querySelector('#add-rule').addEventListener('click', () => {
    rules = readRules(form);
    rules.push({ kind: 'branch', match: '', tags: ['{branch}-{sha:7}'] });
    drawRules();
    rulesBox.lastChild.querySelector('input').focus();
  });
  form.elements.ref.addEventListener('input', schedule);
  schedule();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form.querySelector('button[type=submit]'), async () => {
      try {
        const created = await triggers.create(app.user, {
          provider: form.elements.provider.value,
          repository: form.elements.repository.value.trim(),
          image: form.elements.image.value.trim(),
          installHook: form.elements.install_hook.checked,
          rules: readRules(form),
        });
        form.hidden = true;
        result.replaceChildren(h('section', { class: 'card created', 'aria-labelledby': 'created-title' },
          h('h2', { id: 'created-title', tabindex: '-1' }, `Trigger created for ${created.trigger.repository}`),
          hookSummary(created.trigger),
          reportView(created.hook),
          webhookBox(created.webhook, created.trigger.provider, hooks.state(created.trigger).installed),
          h('div', { class: 'actions' }, h('a', { class: 'button primary', href: '#/triggers' }, 'All triggers'))));
        result.querySelector('h2').focus();
      } catch (e) { showError(form, e); }
    });
  });
}

export async function renderTriggers(main, app, where) {
  if (where.rest[0] === 'new') return renderCreate(main, app, where);
  return renderList(main, app);
}
