// STAND-IN for the jobs API, which this branch does not have yet: GET .../jobs?trigger=&limit=,
// GET .../jobs/{id}, GET .../jobs/{id}/log and GET .../triggers/{id}/jobs are answered here,
// inside the browser's network layer, from the real job records the real enqueue wrote to Redis
// (docs/redis-layout.md: job:<id>, user:<user>:jobs, job:<id>:log). Once the jobs routes exist in
// triggerd, delete this file and its one call in console.test.mjs: the console then reaches them.
import { execFileSync } from 'node:child_process';

function redis(port, ...args) {
  const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--json', ...args]);
  return JSON.parse(out.toString());
}

function jobOf(port, prefix, id) {
  const h = redis(port, 'HGETALL', `${prefix}job:${id}`);
  if (!h.state) return null;
  return { id, trigger: h.trigger, state: h.state, ref: h.ref, sha: h.sha, created_at: h.created_at, updated_at: h.updated_at };
}

export async function installJobsStandIn(page, { redisPort, prefix = 'triggerd:' }) {
  const json = (route, status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route(/\/console\/api\/v1\/users\/[^/]+\/(jobs|triggers\/[^/]+\/jobs)(\/|\?|$)/, (route) => {
    const url = new URL(route.request().url());
    const parts = url.pathname.split('/').map(decodeURIComponent);  // ['', 'console', 'api', 'v1', 'users', u, ...]
    const user = parts[5];
    const recent = () => redis(redisPort, 'LRANGE', `${prefix}user:${user}:jobs`, '0', '99')
      .map((id) => jobOf(redisPort, prefix, id)).filter(Boolean);
    if (parts[6] === 'triggers') return json(route, 200, { jobs: recent().filter((j) => j.trigger === parts[7]) });
    if (parts.length === 7) {
      const trigger = url.searchParams.get('trigger');
      const limit = Number(url.searchParams.get('limit') || 50);
      return json(route, 200, { jobs: recent().filter((j) => !trigger || j.trigger === trigger).slice(0, limit) });
    }
    const job = jobOf(redisPort, prefix, parts[7]);
    if (!job) return json(route, 404, { error: `no job ${parts[7]} for this user`, field: 'id' });
    if (parts[8] === 'log') {
      const entries = redis(redisPort, 'XRANGE', `${prefix}job:${parts[7]}:log`, '-', '+');
      return json(route, 200, { chunks: entries.map(([, fields]) => fields[1]) });
    }
    return json(route, 200, { job });
  });
}
