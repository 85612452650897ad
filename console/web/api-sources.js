// Bound code sources (GitHub, GitLab accounts) and browsing their repositories.
import { call, userPath } from './http.js';

// A source as the pages use it; the API's field names are read here only.
function source(s) {
  return {
    provider: s.provider,
    login: s.login,
    apiUrl: s.api_url,
    scopes: s.scopes || [],
    expiresAt: s.expires_at || '',
    boundAt: s.bound_at || '',
    checkedAt: s.checked_at || '',
    state: s.state, // valid, expiring, expired, revoked
    warning: s.warning || '',
  };
}

export async function list(user) {
  const r = await call('GET', userPath(user, '/sources'));
  return (r.sources || []).map(source);
}

export async function bindGitlab(user, { serviceAddress, privateToken, caCertificate }) {
  const body = { service_address: serviceAddress, private_token: privateToken };
  if (caCertificate) body.ca_certificate = caCertificate;
  return source((await call('PUT', userPath(user, '/sources/gitlab'), body)).source);
}

export async function bindGithubToken(user, token) {
  return source((await call('PUT', userPath(user, '/sources/github'), { token })).source);
}

// {url, expiresIn}: GitHub's Authorize page for this session.
export async function authorizeGithub(user) {
  const r = await call('POST', userPath(user, '/sources/github/authorize'));
  return { url: r.authorize_url, expiresIn: r.expires_in };
}

// The unbind report: {unbound, triggersDisabled, hooksRemoved, hooks: [...], note}.
export async function unbind(user, provider) {
  const r = await call('DELETE', userPath(user, `/sources/${provider}`));
  return {
    unbound: r.unbound,
    triggersDisabled: r.triggers_disabled || 0,
    hooksRemoved: typeof r.hooks_removed === 'number' ? r.hooks_removed : (r.hooks_removed || []).length,
    hooks: Array.isArray(r.hooks) ? r.hooks : (Array.isArray(r.hooks_removed) ? r.hooks_removed : []),
    note: r.note || '',
  };
}

const page = (p) => (p ? `?page=${encodeURIComponent(p)}` : '');

// {items: [{id, fullName, private, defaultBranch}], nextPage}
export async function repos(user, provider, pageToken) {
  const r = await call('GET', userPath(user, `/sources/${provider}/repos${page(pageToken)}`));
  return {
    items: (r.repositories || []).map((x) => ({
      id: x.id, fullName: x.full_name, private: x.private, defaultBranch: x.default_branch,
    })),
    nextPage: r.next_page,
  };
}

async function refs(user, provider, repo, kind, pageToken) {
  const r = await call('GET',
    userPath(user, `/sources/${provider}/repos/${encodeURIComponent(repo)}/${kind}${page(pageToken)}`));
  return {
    items: (r[kind] || []).map((x) => ({ name: x.name, sha: x.sha, protected: x.protected })),
    nextPage: r.next_page,
  };
}

export const branches = (user, provider, repo, p) => refs(user, provider, repo, 'branches', p);
export const tags = (user, provider, repo, p) => refs(user, provider, repo, 'tags', p);
