// Build jobs: recent jobs, one job, its log, manual runs, a trigger's history.
import { call, userPath } from './http.js';

// A job as the pages use it; the API's field names are read here only.
function job(j) {
  return {
    id: j.id,
    trigger: j.trigger || j.trigger_id || '',
    state: j.state,
    ref: j.ref || '',
    sha: j.sha || (j.commit && j.commit.sha) || '',
    createdAt: j.created_at || '',
    updatedAt: j.updated_at || '',
    startedAt: j.started_at || '',
    finishedAt: j.finished_at || '',
    tags: j.tags || [],
    error: j.error || '',
  };
}

export async function list(user, { trigger, limit } = {}) {
  const q = new URLSearchParams();
  if (trigger) q.set('trigger', trigger);
  if (limit) q.set('limit', String(limit));
  const s = q.toString();
  const r = await call('GET', userPath(user, `/jobs${s ? '?' + s : ''}`));
  return (r.jobs || []).map(job);
}

export async function get(user, id) {
  return job((await call('GET', userPath(user, `/jobs/${encodeURIComponent(id)}`))).job);
}

// The build output as text.
export async function log(user, id) {
  const r = await call('GET', userPath(user, `/jobs/${encodeURIComponent(id)}/log`));
  if (typeof r === 'string') return r;
  if (r && typeof r.log === 'string') return r.log;
  if (r && Array.isArray(r.chunks)) return r.chunks.map((c) => (typeof c === 'string' ? c : c.chunk || '')).join('');
  return '';
}

export async function run(user, triggerId, ref) {
  const r = await call('POST', userPath(user, `/triggers/${encodeURIComponent(triggerId)}/run`), { ref });
  return (r.jobs || (r.job ? [r.job] : [])).map(job);
}

export async function forTrigger(user, triggerId) {
  const r = await call('GET', userPath(user, `/triggers/${encodeURIComponent(triggerId)}/jobs`));
  return (r.jobs || []).map(job);
}
