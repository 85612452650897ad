// GitHub webhook receiver as a typical Node service: verify the signature over the raw body,
// XADD a small job to a Redis stream (AOF on), answer 202 once Redis acknowledged it.
//   WEBHOOK_SECRET=... REDIS_URL=redis://127.0.0.1:6379 HOST=127.0.0.1 PORT=3000 WORKERS=2 node server.js
// WORKERS=1 serves from this process; WORKERS>1 forks that many node:cluster workers.
import cluster from 'node:cluster';
import http from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import Redis from 'ioredis';

const { WEBHOOK_SECRET: secret, REDIS_URL = 'redis://127.0.0.1:6379', STREAM = 'jobs' } = process.env;
const port = Number(process.env.PORT ?? 3000);
const workers = Number(process.env.WORKERS ?? 1);
const maxBody = 10 * 1024 * 1024;
if (!secret) throw new Error('WEBHOOK_SECRET is required');

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (w, code, signal) => console.error(`worker ${w.process.pid} exited: ${signal ?? code}`));
} else {
  const webhooks = new Webhooks({ secret });
  // Auto-pipelining batches the commands of concurrent requests into one write (ioredis's advice
  // for throughput); REDIS_AUTOPIPELINING=0 sends each command on its own.
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: process.env.REDIS_AUTOPIPELINING !== '0' });
  redis.on('error', (err) => console.error('redis:', err.message));
  const reply = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req, res, body) => {
    const signature = req.headers['x-hub-signature-256'];
    const delivery = req.headers['x-github-delivery'];
    const event = req.headers['x-github-event'];
    if (!signature || !(await webhooks.verify(body, signature))) return reply(res, 401, { error: 'bad signature' });
    if (!delivery || !event) return reply(res, 400, { error: 'missing delivery or event header' });
    let payload;
    try { payload = JSON.parse(body); } catch { return reply(res, 400, { error: 'invalid JSON' }); }
    if (event !== 'push') return reply(res, 200, { ignored: event });
    const job = { delivery, repository: payload.repository?.full_name, ref: payload.ref, sha: payload.after,
      pusher: payload.pusher?.name, received_at: new Date().toISOString() };
    try {
      const id = await redis.xadd(STREAM, '*', 'job', JSON.stringify(job));
      reply(res, 202, { job: id });
    } catch (err) {
      console.error('enqueue failed:', err.message);
      reply(res, 503, { error: 'queue unavailable' });
    }
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBody) { reply(res, 413, { error: 'body too large' }); req.destroy(); } else chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
      console.error('request failed:', err.message);
      if (!res.headersSent) reply(res, 503, { error: 'unavailable' });
    }));
  });
  redis.once('ready', () => server.listen(port, process.env.HOST ?? '127.0.0.1'));
  process.on('SIGTERM', () => server.close(() => redis.quit().finally(() => process.exit(0))));
}
