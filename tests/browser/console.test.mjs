// Walks a user through triggerd's web console in Debian's headless Chromium (playwright-core):
// sign-in, GitLab binding and each of its refusals, the GitHub OAuth round trip through the fake
// GitHub's Authorize page, repositories, a trigger with a live tag preview whose hook triggerd
// installs at the fake GitHub, the job of a signed delivery with its state and log, the hook's
// check and secret rotation, unbinding (which removes the hook), phone width, sign-out. Every
// step is a screenshot in $SCREENSHOT_DIR. Started by console_browser_test.cpp, which provides
// the servers, pushes to the repository whenever its hook gets a new secret and runs a runner.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

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
// The repository's hooks as the fake GitHub has them, read with the owner's own token.
async function githubHooks() {
  const r = await fetch(`${env.GITHUB_API_URL}/repos/Codertocat/Hello-World/hooks`, {
    headers: { Authorization: `Bearer ${env.GITHUB_OBSERVER_TOKEN}`, Accept: 'application/vnd.github+json' },
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}
// The Jobs page until it lists `count` jobs that all succeeded (the runner builds them).
async function succeededJobs(count) {
  await page.getByRole('link', { name: 'Jobs' }).first().click();
  const rows = page.locator('tr[data-job]');
  await page.waitForFunction((n) => {
    const all = [...document.querySelectorAll('tr[data-job]')];
    return all.length === n && all.every((tr) => tr.dataset.state === 'success');
  }, count, { timeout: 20000 });
  return rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.job));
}

try {
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
  // triggerd installs the webhook with the bound account (the box is ticked by default).
  assert.ok(await form.getByLabel('Install the webhook in the repository for me').isChecked());
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
  await page.locator('.hook-installed').getByText('Installed by triggerd').waitFor();
  const hookUrl = await page.locator('.webhook-url').textContent();
  assert.equal(await page.locator('.webhook-secret').count(), 0, 'an installed hook\'s secret is never shown');
  await shot('trigger-created');
  // The hook exists at GitHub, pointing at triggerd, sending JSON push events.
  const installed = await githubHooks();
  assert.equal(installed.length, 1, JSON.stringify(installed));
  assert.equal(installed[0].config.url, hookUrl);
  assert.equal(installed[0].config.content_type, 'json');
  assert.deepEqual(installed[0].events, ['push']);
  assert.equal(installed[0].active, true);

  // GitHub delivers a push, signed with the hook's secret; the runner builds its job; the Jobs
  // page shows the job's state and, in its details, the build log.
  const [jobId] = await succeededJobs(1);
  await shot('jobs');
  await page.locator(`tr[data-job="${jobId}"]`).getByRole('button', { name: 'Details and log' }).click();
  await page.locator('pre.log').getByText(`building ${jobId}`).waitFor();
  await page.getByRole('region', { name: 'Job details' }).getByText('browser-runner (attempt 1)').waitFor();
  await shot('job-log');

  // The trigger's webhook: verified by that delivery; a check; a secret rotation behind a
  // confirmation, after which GitHub's next push (signed with the new secret) builds too.
  await page.getByRole('link', { name: 'Build triggers' }).click();
  const card = page.locator('article.trigger').first();
  await card.getByText('Verified: a signed delivery arrived').waitFor();
  await card.locator('.recent-jobs').locator(`[data-job="${jobId}"]`).getByText('succeeded').waitFor();
  await card.getByRole('button', { name: 'Check webhook' }).click();
  await card.locator('.hook-report[data-outcome="ok"]').waitFor();
  await shot('trigger-hook-checked');
  await card.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
  await card.getByText('Secret rotated.').waitFor();
  await card.getByText('Old secret valid until').waitFor();
  assert.equal(await card.locator('.webhook-secret').count(), 0);
  await shot('trigger-secret-rotated');
  const both = await succeededJobs(2);
  assert.ok(both.includes(jobId));
  await shot('jobs-after-rotation');

  // Unbinding GitHub names the trigger it disables.
  await page.getByRole('link', { name: 'Code sources' }).click();
  await page.getByRole('button', { name: 'Unbind GitHub' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Codertocat/Hello-World → registry.example.com/team/hello').first().waitFor();
  await dialog.getByText('These 1 webhook(s) will be removed').waitFor();
  await shot('unbind-confirmation');
  await dialog.getByRole('button', { name: 'Unbind Codertocat' }).click();
  await page.getByText('1 trigger(s) disabled, 1 webhook(s) removed').waitFor();
  assert.deepEqual(await githubHooks(), [], 'unbinding removed the hook at GitHub');
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
