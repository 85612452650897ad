// A trigger's webhook: its state as the trigger reports it, check, repair and secret rotation.
import { call, userPath } from './http.js';
import { trigger, webhook } from './api-triggers.js';

// The trigger's `hook` object: {id, installed, verified, active, signed, lastCheckedAt,
// lastError, lastRepair, missedPushes}.
export function state(t) {
  const h = t.hook || {};
  return {
    id: h.id || '',
    installed: !!h.installed,
    verified: !!h.verified,
    active: h.active === undefined || h.active === null ? null : !!h.active,
    signed: !!h.signed,
    lastCheckedAt: h.last_checked_at || '',
    lastError: h.last_error || '',
    lastRepair: h.last_repair || '',
    missedPushes: h.missed_pushes || [],
  };
}

// What a check, repair or rotation found and did (the API's hook report), or null.
export function report(r) {
  if (!r) return null;
  return {
    outcome: r.outcome || '',
    hookId: r.hook_id || '',
    active: !!r.active,
    created: !!r.created,
    actions: r.actions || [],
    problems: r.problems || [],
    wasDisabled: r.was_disabled || '',
    failedDeliveries: r.failed_deliveries || 0,
    redelivered: r.redelivered || 0,
    missedPushes: r.missed_pushes || [],
    removed: r.removed || 0,
    error: r.error ? r.error.error : '',
  };
}

function answer(r) {
  return { trigger: trigger(r.trigger), report: report(r.hook), webhook: webhook(r.webhook) };
}

const hookPath = (user, id, what) => userPath(user, `/triggers/${encodeURIComponent(id)}/hook/${what}`);

// Looks at the installed hook and changes nothing.
export const check = async (user, id) => answer(await call('POST', hookPath(user, id, 'check'), {}));
export const repair = async (user, id) => answer(await call('POST', hookPath(user, id, 'repair'), {}));
export const rotate = async (user, id) =>
  answer(await call('POST', hookPath(user, id, 'repair'), { rotate_secret: true }));
