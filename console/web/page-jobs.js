// Recent build jobs, newest first, with their states; one job's details and build log. While a
// job is queued or running the list refreshes itself.
import * as jobs from './api-jobs.js';
import { h, notice, when, badge, busy, heading } from './ui.js';

const kRefreshMs = 3000;
const shortRef = (ref) => ref.replace(/^refs\/(heads|tags)\//, '');
const active = (state) => state === 'queued' || state === 'running';
const lastChange = (j) => j.finishedAt || j.startedAt || j.createdAt;

async function showJob(app, id, target) {
  target.hidden = false;
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading the job…'));
  try {
    const [job, log] = await Promise.all([jobs.get(app.user, id), jobs.log(app.user, id).catch((e) => `(${e.message})`)]);
    target.replaceChildren(
      h('h2', { tabindex: '-1' }, 'Job ', h('code', {}, job.id), ' ', badge(job.state)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Repository'), h('dd', {}, job.repository),
        h('dt', {}, 'Ref'), h('dd', {}, h('code', {}, job.ref)),
        h('dt', {}, 'Commit'), h('dd', {}, h('code', {}, job.sha)),
        h('dt', {}, 'Image'), h('dd', {}, h('code', {}, job.image)),
        job.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, job.tags.join(', '))] : null,
        h('dt', {}, 'Started by'), h('dd', {}, job.event === 'manual' ? `a manual run (${job.requestedBy || 'unknown'})` : `a ${job.event || 'push'}`),
        h('dt', {}, 'Queued'), h('dd', {}, when(job.createdAt)),
        job.startedAt ? [h('dt', {}, 'Started'), h('dd', {}, when(job.startedAt))] : null,
        job.finishedAt ? [h('dt', {}, 'Finished'), h('dd', {}, when(job.finishedAt))] : null,
        job.runner ? [h('dt', {}, 'Runner'), h('dd', {}, `${job.runner} (attempt ${job.attempt})`)] : null,
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

  let timer = null;
  const load = async () => {
    clearTimeout(timer);
    if (!table.isConnected && timer !== null) return;  // the page was left
    try {
      const list = await jobs.list(app.user, { trigger: filter, perPage: 50 });
      table.tBodies[0].replaceChildren(...list.map((j) => {
        const open = h('button', { type: 'button', class: 'link' }, 'Details and log');
        open.addEventListener('click', () => showJob(app, j.id, detail));
        return h('tr', { 'data-job': j.id, 'data-state': j.state },
          h('td', { 'data-label': 'State' }, badge(j.state)),
          h('td', { 'data-label': 'Repository' }, j.repository),
          h('td', { 'data-label': 'Ref' }, h('code', {}, shortRef(j.ref))),
          h('td', { 'data-label': 'Commit' }, h('code', {}, j.sha.slice(0, 7))),
          h('td', { 'data-label': 'Queued' }, when(j.createdAt)),
          h('td', { 'data-label': 'Last change' }, when(lastChange(j))),
          h('td', {}, open));
      }));
      status.textContent = list.length ? `${list.length} job(s).` : 'No jobs yet: they appear when a push matches a trigger’s rules.';
      // Jobs still moving, or none yet: look again shortly, as long as this page is shown.
      if (!list.length || list.some((j) => active(j.state))) timer = setTimeout(load, kRefreshMs);
    } catch (e) {
      notice(e.message, 'error');
    }
  };
  refresh.addEventListener('click', () => busy(refresh, load));
  await load();
}
