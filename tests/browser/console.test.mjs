// Walks a user through triggerd's web console in Debian's headless Chromium (playwright-core):
// sign-in, GitLab binding and each of its refusals, the GitHub OAuth round trip through the fake
// GitHub's Authorize page, repositories, a trigger with a live tag preview, a signed delivery and
// its job, secret rotation, unbinding, phone width, sign-out. Every step is a screenshot in
// $SCREENSHOT_DIR. Started by console_browser_test.cpp, which provides the servers.
import { chromium } from 'playwright-core';
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { installJobsStandIn } from './jobs-standin.mjs';

const env = process.env;
const shots = env.SCREENSHOT_DIR;
mkdirSync(shots, { recursive: true });
const started = Date.now();
let step = 0;

const context = await chromium.launchPersistentContext(env.PROFILE_DIR, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(10000);
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
page.on('pageerror', (e) => problems.push(e.message));

async function shot(name) {
  step += 1;
  await page.screenshot({ path: `${shots}/${String(step).padStart(2, '0')}-${name}.png`, fullPage: true });
}
// The error shown next to the field `name` of the form on screen.
const fieldError = (name) => page.locator(`[data-field="${name}"] .error`);

try {
  await installJobsStandIn(page, { redisPort: env.REDIS_PORT });

  // Sign in: a user token becomes an HttpOnly session cookie.
  await page.goto(env.CONSOLE_URL);
  await page.getByRole('heading', { name: 'Sign in to triggerd' }).waitFor();
  await page.getByLabel('User token').fill('tdu_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fieldError('token').getByText('unknown or revoked token').waitFor();
  await shot('sign-in-refused');
  await page.getByLabel('User token').fill(env.USER_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Code Source Authorization' }).waitFor();
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
  await shot('sources-unbound');

  // GitLab: every refusal next to its field, then the binding.
  const gitlab = page.getByRole('form', { name: 'Bind a GitLab account' });
  const bindGitlab = async (address, token) => {
    await gitlab.getByLabel('Service address').fill(address);
    await gitlab.getByLabel('Private token').fill(token);
    await gitlab.getByRole('button', { name: 'Bind GitLab' }).click();
  };
  await bindGitlab(`${env.GITLAB_URL}/team/app/-/tree/main`, env.GITLAB_TOKEN);
  await fieldError('service_address').getByText('server address').waitFor();
  assert.equal(await gitlab.getByLabel('Service address').getAttribute('aria-invalid'), 'true');
  await shot('gitlab-refused-project-url');
  await bindGitlab(env.GITLAB_URL, env.GITLAB_TOKEN_READONLY);
  await fieldError('private_token').getByText(/api/).waitFor();
  await shot('gitlab-refused-missing-api-scope');
  await bindGitlab(env.GITLAB_URL, env.GITLAB_TOKEN_EXPIRED);
  await fieldError('private_token').getByText(/expired/).waitFor();
  await shot('gitlab-refused-expired-token');
  await bindGitlab(`http://127.0.0.1:${env.CLOSED_PORT}`, env.GITLAB_TOKEN);
  await fieldError('service_address').waitFor();
  await shot('gitlab-refused-unreachable');
  await bindGitlab(env.GITLAB_URL, env.GITLAB_TOKEN);
  await page.getByRole('heading', { name: /GitLab/ }).getByText('valid').waitFor();
  await shot('gitlab-bound');

  // GitHub: the console starts the flow, GitHub's Authorize page, back through the callback.
  await page.getByRole('button', { name: 'Authorize to sync GitHub code source' }).click();
  await page.getByRole('heading', { name: /Authorize/ }).waitFor();
  await shot('github-authorize-page');
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.getByRole('heading', { name: 'GitHub account bound' }).waitFor();
  const callbackText = await page.textContent('body');
  assert.match(callbackText, /Codertocat/);
  assert.match(callbackText, /triggerd user alice/);
  await shot('github-callback');
  await page.getByRole('link', { name: 'Back to the triggerd console' }).click();
  await page.getByRole('heading', { name: /GitHub/ }).getByText('valid').waitFor();
  await shot('sources-bound');

  // Repositories, branches and tags.
  await page.getByRole('link', { name: 'Repositories' }).click();
  await page.getByRole('link', { name: /GitHub: Codertocat/ }).click();
  await page.getByRole('button', { name: 'Codertocat/Hello-World' }).click();
  await page.getByText('branch-001').waitFor();
  await page.getByText('v1.0.001').waitFor();
  await shot('repositories');

  // A trigger with a live preview of its tags.
  await page.getByRole('link', { name: 'Create a build trigger' }).click();
  const form = page.getByRole('form', { name: 'New build trigger' });
  await form.getByLabel('Repository', { exact: true }).waitFor();
  assert.equal(await form.getByLabel('Repository', { exact: true }).inputValue(), 'Codertocat/Hello-World');
  await form.getByLabel('Image', { exact: true }).fill('registry.example.com/team/hello');
  // STAND-IN until the hooks work is merged: this branch installs no hooks (install_hook true is
  // refused with 422), so the trigger is created with a manual hook. After the merge, leave the
  // box ticked and check the fake GitHub holds the hook.
  await form.getByLabel('Install the webhook in the repository for me').uncheck();
  const rule0 = form.locator('fieldset.rule').first();
  await rule0.getByLabel('Name pattern').fill('master');
  await rule0.getByLabel('Image tags').fill('latest, master-{sha:7}');
  await form.getByLabel('Sample ref').fill('refs/heads/master');
  await form.locator('.preview').getByText('master-1a2b3c4').waitFor();
  await shot('trigger-preview');
  await rule0.getByLabel('Name pattern').fill('mas(ter');
  await form.locator('.preview').getByText('rules[0].match').waitFor();
  await rule0.getByLabel('Name pattern').fill('master');
  await form.locator('.preview').getByText('master-1a2b3c4').waitFor();
  await form.getByRole('button', { name: 'Create trigger' }).click();
  await page.getByRole('heading', { name: /Trigger created/ }).waitFor();
  const hookUrl = await page.locator('.webhook-url').textContent();
  const secret = await page.locator('.webhook-secret').textContent();
  await shot('trigger-created');

  // A signed delivery, as GitHub sends it, and its job on the Jobs page.
  const body = readFileSync(env.PUSH_FILE);
  const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  const delivery = await fetch(hookUrl, {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': signature },
  });
  const answer = await delivery.text();
  assert.equal(delivery.status, 202, answer);
  const [jobId] = JSON.parse(answer).jobs;
  // The runner's first log line, written where a runner writes it.
  execFileSync('redis-cli', ['-p', env.REDIS_PORT, 'XADD', `triggerd:job:${jobId}:log`, '*', 'chunk', '==> git fetch --depth=1 origin 6113728\n']);
  await page.getByRole('link', { name: 'Jobs' }).first().click();
  await page.locator(`tr[data-job="${jobId}"]`).getByText('queued').waitFor();
  await shot('jobs');
  await page.locator(`tr[data-job="${jobId}"]`).getByRole('button', { name: 'Details and log' }).click();
  await page.locator('pre.log').getByText('git fetch').waitFor();
  await shot('job-log');

  // The trigger's webhook: state, then a secret rotation behind a confirmation.
  await page.getByRole('link', { name: 'Build triggers' }).click();
  const card = page.locator('article.trigger').first();
  await card.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
  await card.getByText('Secret rotated.').waitFor();
  assert.notEqual(await card.locator('.webhook-secret').textContent(), secret);
  await shot('trigger-secret-rotated');

  // Unbinding GitHub names the trigger it disables.
  await page.getByRole('link', { name: 'Code sources' }).click();
  await page.getByRole('button', { name: 'Unbind GitHub' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Codertocat/Hello-World → registry.example.com/team/hello').waitFor();
  await shot('unbind-confirmation');
  await dialog.getByRole('button', { name: 'Unbind Codertocat' }).click();
  await page.getByText('1 trigger(s) disabled').waitFor();
  await page.getByRole('button', { name: 'Authorize to sync GitHub code source' }).waitFor();
  await shot('github-unbound');

  // Phone width: the same pages in one column.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('phone-sources');
  await page.getByRole('link', { name: 'Build triggers' }).click();
  await page.locator('article.trigger').first().waitFor();
  await shot('phone-triggers');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);

  // Nothing kept in storage; sign-out ends the session.
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to triggerd' }).waitFor();
  const after = await page.evaluate(async () => (await fetch('/console/api/session')).status);
  assert.equal(after, 401);
  await shot('signed-out');
  assert.deepEqual(problems.filter((p) => !/status of 4\d\d/.test(p)), [], 'no script errors');
  console.log(`console walk-through passed: ${step} screenshots in ${Date.now() - started} ms`);
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(e);
  process.exitCode = 1;
} finally {
  await context.close();
}
