// Recent build jobs, newest first, with their states; one job's details and build log.
import * as jobs from './api-jobs.js';
import * as triggers from './api-triggers.js';
import { h, notice, when, badge, busy, heading } from './ui.js';

async function showJob(app, id, target) {
  target.hidden = false;
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading the job…'));
  try {
    const [job, log] = await Promise.all([jobs.get(app.user, id), jobs.log(app.user, id).catch((e) => `(${e.message})`)]);
    target.replaceChildren(
      h('h2', { tabindex: '-1' }, 'Job ', h('code', {}, job.id), ' ', badge(job.state)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Ref'), h('dd', {}, h('code', {}, job.ref)),
        h('dt', {}, 'Commit'), h('dd', {}, h('code', {}, job.sha)),
        job.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, job.tags.join(', '))] : null,
        h('dt', {}, 'Queued'), h('dd', {}, when(job.createdAt)),
        job.startedAt ? [h('dt', {}, 'Started'), h('dd', {}, when(job.startedAt))] : null,
        h('dt', {}, 'Last change'), h('dd', {}, when(job.updatedAt)),
        job.error ? [h('dt', {}, 'Error'), h('dd', { class: 'warning' }, job.error)] : null),
      h('h3', {}, 'Build log'),
      h('pre', { class: 'log', tabindex: '0', 'aria-label': 'Build log' }, log || 'No output yet.'));
    target.querySelector('h2').focus();
  } catch (e) {
    target.replaceChildren(h('p', { class: 'error' }, e.message));
  }
}

export async function renderJobs(main, app, where) {
  const filter = where.params.get('trigger') || '';
  const detail = h('section', { class: 'card', hidden: true, 'aria-label': 'Job details' });
  const table = h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Recent jobs, newest first'),
    h('thead', {}, h('tr', {}, ['State', 'Repository', 'Ref', 'Commit', 'Queued', 'Last change', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}));
  const status = h('p', { class: 'help', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  main.append(heading(filter ? 'Jobs of one trigger' : 'Recent jobs'),
    h('div', { class: 'actions' }, refresh, filter ? h('a', { class: 'button secondary', href: '#/jobs' }, 'All jobs') : null),
    h('div', { class: 'scroll' }, table), status, detail);

  let names = {};
  try { names = Object.fromEntries((await triggers.list(app.user)).map((t) => [t.id, t.repository])); } catch (e) { /* ids then */ }
  const load = async () => {
    try {
      const list = await jobs.list(app.user, { trigger: filter, limit: 50 });
      table.tBodies[0].replaceChildren(...list.map((j) => {
        const open = h('button', { type: 'button', class: 'link' }, 'Details and log');
        open.addEventListener('click', () => showJob(app, j.id, detail));
        return h('tr', { 'data-job': j.id },
          h('td', { 'data-label': 'State' }, badge(j.state)),
          h('td', { 'data-label': 'Repository' }, names[j.trigger] || j.trigger),
          h('td', { 'data-label': 'Ref' }, h('code', {}, j.ref.replace(/^refs\/(heads|tags)\//, ''))),
          h('td', { 'data-label': 'Commit' }, h('code', {}, j.sha.slice(0, 7))),
          h('td', { 'data-label': 'Queued' }, when(j.createdAt)),
          h('td', { 'data-label': 'Last change' }, when(j.updatedAt)),
          h('td', {}, open));
      }));
      status.textContent = list.length ? `${list.length} job(s).` : 'No jobs yet: they appear when a push matches a trigger’s rules.';
    } catch (e) {
      notice(e.message, 'error');
    }
  };
  refresh.addEventListener('click', () => busy(refresh, load));
  await load();
}
