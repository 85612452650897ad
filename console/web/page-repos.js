// Repositories of the bound accounts, with their branches and tags.
import * as sources from './api-sources.js';
import { h, notice, busy, heading } from './ui.js';

// A list that grows page by page: `load(pageToken)` answers {items, nextPage}.
function pagedList(label, load, renderItem) {
  const list = h('ul', { class: 'plain', 'aria-label': label });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, `More ${label.toLowerCase()}`);
  const status = h('p', { class: 'help', role: 'status' });
  let next = null;
  const fetchPage = async () => {
    try {
      const page = await load(next);
      list.append(...page.items.map((item) => h('li', {}, renderItem(item))));
      next = page.nextPage;
      more.hidden = !next;
      status.textContent = list.children.length ? '' : `No ${label.toLowerCase()}.`;
    } catch (e) {
      status.textContent = e.message;
    }
  };
  more.addEventListener('click', () => busy(more, fetchPage));
  return { element: h('div', {}, list, status, more), fetchPage };
}

async function showRepo(app, provider, repo, target) {
  const branches = pagedList('Branches', (p) => sources.branches(app.user, provider, repo.fullName, p),
    (b) => [h('code', {}, b.name), ' ', h('span', { class: 'sha' }, b.sha.slice(0, 7)), b.protected ? h('span', { class: 'badge' }, 'protected') : null]);
  const tags = pagedList('Tags', (p) => sources.tags(app.user, provider, repo.fullName, p),
    (t) => [h('code', {}, t.name), ' ', h('span', { class: 'sha' }, t.sha.slice(0, 7))]);
  const create = h('a', {
    class: 'button primary',
    href: `#/triggers/new?provider=${provider}&repository=${encodeURIComponent(repo.fullName)}`,
  }, 'Create a build trigger');
  target.replaceChildren(
    h('h2', { tabindex: '-1' }, repo.fullName),
    h('p', {}, repo.private ? 'Private' : 'Public', ` · default branch ${repo.defaultBranch || '—'}`),
    h('div', { class: 'actions' }, create),
    h('div', { class: 'two' },
      h('section', {}, h('h3', {}, 'Branches'), branches.element),
      h('section', {}, h('h3', {}, 'Tags'), tags.element)));
  target.querySelector('h2').focus();
  await Promise.all([branches.fetchPage(), tags.fetchPage()]);
}

export async function renderRepos(main, app, where) {
  main.append(heading('Repositories'));
  let bound = [];
  try { bound = await sources.list(app.user); } catch (e) { notice(e.message, 'error'); return; }
  if (!bound.length) {
    main.append(h('p', {}, 'No account is bound yet. ', h('a', { href: '#/sources' }, 'Bind GitHub or GitLab'), ' first.'));
    return;
  }
  const provider = where.params.get('provider') || bound[0].provider;
  const detail = h('div', { class: 'card', hidden: true });
  const chooser = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Account' },
    bound.map((s) => h('a', {
      href: `#/repos?provider=${s.provider}`,
      class: 'button secondary',
      'aria-current': s.provider === provider ? 'true' : null,
    }, `${s.provider === 'github' ? 'GitHub' : 'GitLab'}: ${s.login}`)));
  const repos = pagedList('Repositories', (p) => sources.repos(app.user, provider, p), (repo) => {
    const open = h('button', { type: 'button', class: 'link' }, repo.fullName);
    open.addEventListener('click', () => { detail.hidden = false; showRepo(app, provider, repo, detail); });
    return [open, ' ', h('span', { class: 'help' }, repo.private ? 'private' : 'public')];
  });
  main.append(chooser, h('div', { class: 'two wide-left' }, h('section', { class: 'card' }, repos.element), detail));
  await repos.fetchPage();
}
