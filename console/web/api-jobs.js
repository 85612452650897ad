// Build jobs: recent jobs, a trigger's history, one job, its log, manual runs.
import { call, userPath } from './http.js';

// A job as the pages use it; the API's field names are read here only.
function job(j) {
  return {
    id: j.id,
    trigger: j.trigger_id || '',
    repository: j.repository || '',
    provider: j.provider || '',
    event: j.event || '',
    state: j.state,
    ref: j.ref || '',
    sha: j.sha || '',
    image: j.image || '',
    tags: j.tags || [],
    attempt: j.attempt || 0,
    runner: j.runner || '',
    requestedBy: j.requested_by || '',
    error: j.error || '',
    createdAt: j.created_at || '',
    startedAt: j.started_at || '',
    finishedAt: j.finished_at || '',
  };
}

// The newest jobs of the user, or of one trigger: [job...], newest first.
export async function list(user, { trigger, perPage = 50 } = {}) {
  const path = trigger ? `/triggers/${encodeURIComponent(trigger)}/jobs` : '/jobs';
  const r = await call('GET', userPath(user, `${path}?per_page=${perPage}`));
  return (r.jobs || []).map(job);
}

export async function get(user, id) {
  return job((await call('GET', userPath(user, `/jobs/${encodeURIComponent(id)}`))).job);
}

// The build output as text, oldest first, following `next` for at most `pages` pages.
export async function log(user, id, pages = 10) {
  let text = '';
  let after = '';
  for (let i = 0; i < pages; i += 1) {
    const q = after ? `?after=${encodeURIComponent(after)}` : '';
    const r = await call('GET', userPath(user, `/jobs/${encodeURIComponent(id)}/log${q}`));
    const entries = r.entries || [];
    text += entries.map((e) => e.chunk || '').join('');
    if (!entries.length || !r.next || r.next === after) break;
    after = r.next;
  }
  return text;
}

// A manual run of `ref` (a branch or tag name, or a full ref): {jobs: [ids], ref, sha}.
export async function run(user, triggerId, ref) {
  const r = await call('POST', userPath(user, `/triggers/${encodeURIComponent(triggerId)}/run`), { ref });
  return { jobs: r.jobs || [], ref: r.ref || ref, sha: r.sha || '', duplicate: !!r.duplicate };
}
