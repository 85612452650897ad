// A trigger's webhook: its state as the trigger reports it, repair and secret rotation.
import { call, userPath } from './http.js';
import { trigger, webhook } from './api-triggers.js';

// {installed, verified, active, lastCheckedAt, lastError} from a trigger's `hook` object.
export function state(t) {
  const h = t.hook || {};
  return {
    installed: !!h.installed,
    verified: !!h.verified,
    active: h.active === undefined ? null : !!h.active,
    lastCheckedAt: h.last_checked_at || '',
    lastError: h.last_error || '',
  };
}

async function repairCall(user, id, rotateSecret) {
  const r = await call('POST', userPath(user, `/triggers/${encodeURIComponent(id)}/hook/repair`),
    { rotate_secret: rotateSecret });
  return { trigger: trigger(r.trigger), webhook: webhook(r.webhook) };
}

export const repair = (user, id) => repairCall(user, id, false);
export const rotate = (user, id) => repairCall(user, id, true);
