// Proves the bundle `npm start` runs loads only what the configuration uses: no Slack tokens, no
// @slack/bolt; no Discord token, no discord.js; no BRIDGE_SECRET_ID, no Secrets Manager client; no
// OpenTelemetry variables, no @opentelemetry module (and no SigV4 signer for it). A
// module hook in the bot process records every file it loads; each bundle file's source map lists
// the modules esbuild put in it, so a loaded file shows which packages it carries.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { startBot } from '../fakes/agentcore/bot-process.js';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startFakeOtlp } from '../fakes/otlp/index.js';
import { startFakeSecretsManager } from '../fakes/secrets-manager.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import { builtBridge } from '../helpers/built-bridge.js';
import { awsTestEnv, discordEnv, slackEnv } from '../helpers/env.js';
import { ping } from '../helpers/bridge-harness.js';

const scratch = await mkdtemp(join(tmpdir(), 'bridge-loads-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const watched = ['@slack/bolt', 'discord.js', '@discordjs/ws', '@aws-sdk/client-secrets-manager', '@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/sdk-metrics', '@opentelemetry/otlp-transformer', 'express', 'winston'] as const;
type Watched = (typeof watched)[number];

// Module hooks run on their own thread; appending to a file is the simplest way out of it.
const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(process.env.RECORD_LOADS_TO, url + '\\n'); return next(url, context); }`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/** Starts the bundle with `env`, waits for /ping, and returns which watched packages it loaded. */
async function loadedPackages(name: string, env: Record<string, string>, ready?: () => Promise<unknown>): Promise<Set<Watched>> {
  const record = join(scratch, `${name}.loads`);
  const entry = await builtBridge();
  const args = ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--enable-source-maps', entry];
  const bot = await startBot({ args, env: { ...env, RECORD_LOADS_TO: record } });
  try {
    assert.ok(['Healthy', 'HealthyBusy'].includes((await ping(bot.url)).status));
    await ready?.();
  } finally {
    assert.equal(await bot.stop(), 0);
  }
  const files = readFileSync(record, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
  assert.ok(files.includes(entry), 'the hook saw the bundle load');
  const loaded = new Set<Watched>();
  for (const file of files) {
    // The bundle's own files (under node_modules/.cache/) by their source map, anything else by its path.
    const sources = file.startsWith(dirname(entry)) ? (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources : [file];
    for (const pkg of watched) if (sources.some((source) => source.includes(`node_modules/${pkg}/`))) loaded.add(pkg);
  }
  // The server's own packages are always there: the check would see a package if it were loaded.
  assert.ok(loaded.has('express') && loaded.has('winston'), `express and winston found in ${files.join(', ')}`);
  return loaded;
}

test('with no tokens neither chat SDK nor the Secrets Manager client is loaded', async () => {
  const loaded = await loadedPackages('no-tokens', awsTestEnv());
  assert.deepEqual([...loaded].sort(), ['express', 'winston']);
});

test('a Discord token loads discord.js and not Bolt', async (t) => {
  const [discord, bedrock] = await Promise.all([startFakeDiscord(), startFakeBedrock()]);
  t.after(() => Promise.all([discord.close(), bedrock.close()]));
  const loaded = await loadedPackages('discord', discordEnv(discord, bedrock), () => discord.waitForReady(1, 20_000));
  assert.deepEqual([...loaded].sort(), ['@discordjs/ws', 'discord.js', 'express', 'winston']);
});

test('Slack tokens from BRIDGE_SECRET_ID load Bolt and the Secrets Manager client, not discord.js', async (t) => {
  const [slack, bedrock] = await Promise.all([startFakeSlack(), startFakeBedrock()]);
  const secrets = await startFakeSecretsManager({ secrets: { 'bridge/tokens': JSON.stringify({ SLACK_BOT_TOKEN: slack.tokens.bot, SLACK_APP_TOKEN: slack.tokens.app }) } });
  t.after(() => Promise.all([slack.close(), bedrock.close(), secrets.close()]));
  const { SLACK_BOT_TOKEN: _bot, SLACK_APP_TOKEN: _app, ...env } = slackEnv(slack, bedrock);
  const loaded = await loadedPackages('slack', { ...env, BRIDGE_SECRET_ID: 'bridge/tokens', AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url }, () => slack.waitForConnections(1, 20_000));
  assert.deepEqual([...loaded].sort(), ['@aws-sdk/client-secrets-manager', '@slack/bolt', 'express', 'winston']);
});

test('OpenTelemetry variables load the OpenTelemetry SDK, and only then', async (t) => {
  const otlp = await startFakeOtlp();
  t.after(() => otlp.close());
  const env = { ...awsTestEnv(), OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_METRIC_EXPORT_INTERVAL: '200' };
  const loaded = await loadedPackages('telemetry', env, () => otlp.waitFor(() => otlp.requests.find((r) => r.path === '/v1/metrics'), 10_000, 'a metrics export'));
  assert.deepEqual([...loaded].sort(), ['@opentelemetry/api', '@opentelemetry/otlp-transformer', '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-trace-base', 'express', 'winston']);
});

test('no chunk the bundle imports on demand is a CommonJS module (only its default would be visible)', async () => {
  // esbuild with code splitting gives a dynamic import() of a CommonJS module only `default`
  // (evanw/esbuild#3245); --main-fields=module,main picks the AWS SDK's ESM build, which avoids it.
  const chunks = join(dirname(await builtBridge()), 'chunks');
  const commonJs = readdirSync(chunks).filter((name) => name.endsWith('.js') && /export default require_[\w$]+\(\)/.test(readFileSync(join(chunks, name), 'utf8')));
  assert.deepEqual(commonJs, []);
});
