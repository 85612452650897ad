// Build triggers: list, create, change, delete, and the live preview of a rule set's tags.
import { call, userPath } from './http.js';

// A trigger as the pages use it; the API's field names are read here only.
export function trigger(t) {
  return {
    id: t.id,
    provider: t.provider,
    repository: (t.repository && t.repository.full_name) || t.repository,
    image: t.image,
    rules: t.rules || [],
    enabled: t.enabled,
    hook: t.hook || {},
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

// The webhook part of a create or rotate answer: {url, secret, previousSecretValidUntil}.
export function webhook(w) {
  if (!w) return null;
  return { url: w.url, secret: w.secret || '', previousSecretValidUntil: w.previous_secret_valid_until || '' };
}

export async function list(user) {
  const r = await call('GET', userPath(user, '/triggers'));
  return (r.triggers || []).map(trigger);
}

export async function get(user, id) {
  return trigger((await call('GET', userPath(user, `/triggers/${encodeURIComponent(id)}`))).trigger);
}

// spec: {provider, repository, image, installHook, rules: [{kind, match, tags: [...]}]}
export async function create(user, spec) {
  const r = await call('POST', userPath(user, '/triggers'), {
    provider: spec.provider,
    repository: spec.repository,
    image: spec.image,
    install_hook: spec.installHook,
    rules: spec.rules,
  });
  return { trigger: trigger(r.trigger), webhook: webhook(r.webhook) };
}

export async function setEnabled(user, id, enabled) {
  return trigger((await call('PATCH', userPath(user, `/triggers/${encodeURIComponent(id)}`), { enabled })).trigger);
}

export const remove = (user, id) => call('DELETE', userPath(user, `/triggers/${encodeURIComponent(id)}`));

// The builds a push of `ref` would get: [{rule, tags}].
export async function preview(user, rules, ref) {
  const r = await call('POST', userPath(user, '/triggers/preview'), { rules, ref });
  return { ref: r.ref, kind: r.kind, name: r.name, builds: r.builds || [] };
}
