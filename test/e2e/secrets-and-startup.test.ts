// Proves start-up as `npm start` runs it: tokens from a Secrets Manager secret (real SDK, fake
// service), clear errors for a missing/denied/invalid secret, no-token start, and SIGTERM -> exit 0.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../fakes/secrets-manager.js';
import { awsTestEnv, ping, spawnBridge } from '../helpers/bridge-harness.js';

let secrets: FakeSecretsManager;
const tokens = { SLACK_BOT_TOKEN: 'xoxb-from-secret-1', SLACK_APP_TOKEN: 'xapp-from-secret-1', DISCORD_BOT_TOKEN: 'discord-from-secret' };

before(async () => {
  secrets = await startFakeSecretsManager({
    secrets: { 'bridge/tokens': JSON.stringify(tokens), 'bridge/not-json': 'SLACK_BOT_TOKEN=xoxb-1', 'bridge/array': '[1]', 'bridge/denied': '{}' },
    deny: ['bridge/denied'],
  });
  Object.assign(process.env, awsTestEnv(), { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url });
});
after(() => secrets.close());

test('tokens come from the secret through the real SDK, and the environment wins', async () => {
  const config = await loadConfig({ BRIDGE_SECRET_ID: 'bridge/tokens', DISCORD_BOT_TOKEN: 'discord-from-env' });
  assert.equal(config.slack?.botToken, tokens.SLACK_BOT_TOKEN);
  assert.equal(config.slack?.appToken, tokens.SLACK_APP_TOKEN);
  assert.equal(config.discord?.botToken, 'discord-from-env');
  const request = secrets.requests.at(-1)!;
  assert.equal(request.headers['x-amz-target'], 'secretsmanager.GetSecretValue');
});

for (const [id, expected] of [
  ['bridge/missing', /BRIDGE_SECRET_ID: could not read secret "bridge\/missing": it does not exist/],
  ['bridge/denied', /access denied; the role needs secretsmanager:GetSecretValue/],
  ['bridge/not-json', /is not valid JSON/],
  ['bridge/array', /must be a JSON object/],
] as const) {
  test(`secret ${id} is a clear configuration error`, async () => {
    const error = await loadConfig({ BRIDGE_SECRET_ID: id }).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.problems.join('\n'), expected);
  });
}

test('a bad secret stops start-up with exit 1, one clear log line and no stack trace', async () => {
  const child = await spawnBridge({ ...awsTestEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, BRIDGE_SECRET_ID: 'bridge/missing' });
  const { code } = await child.exited;
  assert.equal(code, 1);
  const record = await child.logs.waitFor((r) => r.message === 'configuration invalid; not starting');
  assert.match(JSON.stringify(record.problems), /bridge\/missing/);
  assert.doesNotMatch(child.stderr() + child.logs.lines.join('\n'), /\n\s+at /, 'no stack trace');
});

test('with no tokens the bot starts, says what to set, serves /ping, and exits 0 on SIGTERM', async () => {
  const child = await spawnBridge({ ...awsTestEnv() });
  const url = await child.ready;
  const warning = await child.logs.waitFor((r) => r.message?.toString().startsWith('no chat platform configured') === true);
  assert.match(String(warning.message), /SLACK_BOT_TOKEN and SLACK_APP_TOKEN.*DISCORD_BOT_TOKEN/);
  assert.equal((await ping(url)).status, 'Healthy');
  child.process.kill('SIGTERM');
  const { code } = await child.exited;
  assert.equal(code, 0);
  await child.logs.waitFor((r) => r.message === 'shut down');
});
