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

// The webhook part of a create or rotate answer: {url, secret, previousSecretValidUntil}. The
// secret is there only when the user must paste it (a hook added by hand).
export function webhook(w) {
  if (!w) return null;
  return { url: w.url, secret: w.secret || '', previousSecretValidUntil: w.previous_secret_valid_until || '' };
}

// The hook report of an answer (what installing or removing the hook did): {outcome, actions,
// problems, error} or null.
function hookReport(r) {
  if (!r) return null;
  return { outcome: r.outcome || '', actions: r.actions || [], problems: r.problems || [], error: r.error ? r.error.error : '' };
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
  return { trigger: trigger(r.trigger), webhook: webhook(r.webhook), hook: hookReport(r.hook) };
}

export async function setEnabled(user, id, enabled) {
  return trigger((await call('PATCH', userPath(user, `/triggers/${encodeURIComponent(id)}`), { enabled })).trigger);
}

// Deletes the trigger and the hook triggerd installed for it: {deleted, hook} (hook null for a
// hook added by hand).
export async function remove(user, id) {
  const r = await call('DELETE', userPath(user, `/triggers/${encodeURIComponent(id)}`));
  return { deleted: (r && r.deleted) || id, hook: hookReport(r && r.hook) };
}

// The builds a push of `ref` would get: [{rule, tags}].
export async function preview(user, rules, ref) {
  const r = await call('POST', userPath(user, '/triggers/preview'), { rules, ref });
  return { ref: r.ref, kind: r.kind, name: r.name, builds: r.builds || [] };
}
