// The console's entry: who is signed in, the pages by URL fragment, sign-out.
import * as session from './api-session.js';
import { setCsrfToken, whenSessionEnds } from './http.js';
import { notice } from './ui.js';
import { renderSignIn } from './page-signin.js';
import { renderSources } from './page-sources.js';
import { renderRepos } from './page-repos.js';
import { renderTriggers } from './page-triggers.js';
import { renderJobs } from './page-jobs.js';

const pages = {
  sources: renderSources,
  repos: renderRepos,
  triggers: renderTriggers,
  jobs: renderJobs,
};

const app = { user: '', expiresAt: '' };

// "#/triggers/new?repository=octo%2Fapp" -> {page: 'triggers', rest: ['new'], params}
function parseLocation() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  const [page, ...rest] = path.split('/').filter(Boolean);
  return { page: page || 'sources', rest: rest.map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

async function show() {
  const main = document.getElementById('main');
  const where = parseLocation();
  const render = pages[where.page] || renderSources;
  for (const link of document.querySelectorAll('#nav a')) {
    const current = link.getAttribute('href') === `#/${where.page}`;
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  await render(main, app, where);
  const title = main.querySelector('h1');
  document.title = `${title ? title.textContent : 'Console'} · triggerd`;
  if (title && document.activeElement === document.body) title.focus();
}

function signedIn(s) {
  app.user = s.user;
  app.expiresAt = s.expires_at;
  setCsrfToken(s.csrf_token);
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
  document.getElementById('who-user').textContent = `Signed in as ${s.user}`;
}

function signedOut(message) {
  app.user = '';
  setCsrfToken('');
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  const main = document.getElementById('main');
  main.replaceChildren();
  renderSignIn(main, message, async (s) => {
    signedIn(s);
    notice('');
    await show();
  });
}

async function start() {
  whenSessionEnds(() => signedOut('Your session has ended. Sign in again to continue.'));
  document.getElementById('sign-out').addEventListener('click', async () => {
    try { await session.signOut(); } catch (e) { /* the cookie is cleared either way */ }
    signedOut('You are signed out.');
  });
  window.addEventListener('hashchange', () => { if (app.user) show(); });
  try {
    signedIn(await session.current());
    await show();
  } catch (e) {
    signedOut(e.status === 401 ? '' : e.message);
  }
}

start();
