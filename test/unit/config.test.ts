// Proves configuration is parsed once with defaults, env beats secret, and every problem is named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

test('defaults apply with an empty environment and no platform is enabled', async () => {
  const config = await loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.imageVersion, 'dev');
  assert.equal(config.slack, null);
  assert.equal(config.discord, null);
  assert.equal(config.agent.modelId, 'us.anthropic.claude-sonnet-4-6');
  assert.match(config.agent.systemPrompt, /Slack and Discord/);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.agent));
});

test('Slack is enabled only with both tokens; Discord with its token; URLs and lists are parsed', async () => {
  const config = await loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
    SLACK_APP_TOKEN: 'xapp-1-A-abc',
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    SLACK_ALLOWED_CHANNELS: 'C1, C2,,',
    DISCORD_BOT_TOKEN: 'discord-token',
  });
  assert.equal(config.slack?.apiUrl, 'http://127.0.0.1:9/api/');
  assert.deepEqual(config.slack?.allowedChannels, ['C1', 'C2']);
  assert.deepEqual(config.slack?.allowedUsers, []);
  assert.equal(config.discord?.apiUrl, 'https://discord.com/api');
  assert.deepEqual([...config.secretValues].sort(), ['discord-token', 'xapp-1-A-abc', 'xoxb-1-2-abc']);
});

test('every problem is reported at once, each naming its variable', async () => {
  const error = await loadConfig({
    PORT: 'eighty',
    LOG_LEVEL: 'loud',
    SLACK_BOT_TOKEN: 'xapp-swapped',
    BEDROCK_MAX_TOKENS: '-1',
    DISCORD_API_URL: 'ftp://example.com',
  }).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  const text = error.problems.join('\n');
  for (const variable of ['PORT', 'LOG_LEVEL', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'BEDROCK_MAX_TOKENS', 'DISCORD_API_URL']) {
    assert.match(text, new RegExp(`^${variable}: `, 'm'), `${variable} named in:\n${text}`);
  }
  assert.match(text, /SLACK_BOT_TOKEN: must start with "xoxb-"/);
});

test('a variable set in the environment wins over the secret', async () => {
  const config = await loadConfig(
    { BRIDGE_SECRET_ID: 'bridge/tokens', DISCORD_BOT_TOKEN: 'from-env-token' },
    {
      readSecret: (id) => {
        assert.equal(id, 'bridge/tokens');
        return Promise.resolve({ DISCORD_BOT_TOKEN: 'from-secret', SLACK_BOT_TOKEN: 'xoxb-s', SLACK_APP_TOKEN: 'xapp-s' });
      },
    },
  );
  assert.equal(config.discord?.botToken, 'from-env-token');
  assert.equal(config.slack?.botToken, 'xoxb-s');
  assert.equal(config.secretId, 'bridge/tokens');
});

test('memory bounds: 512 MB of history and 1,000 queued messages by default; a budget too small for one conversation is refused', async () => {
  const config = await loadConfig({});
  assert.equal(config.limits.historyMaxTotalBytes, 512 * 1024 * 1024);
  assert.equal(config.limits.maxQueuedTotal, 1000);
  const custom = await loadConfig({ HISTORY_MAX_TOTAL_MB: '2', MAX_QUEUED_TOTAL: '5' });
  assert.deepEqual([custom.limits.historyMaxTotalBytes, custom.limits.maxQueuedTotal], [2 * 1024 * 1024, 5]);
  const error = await loadConfig({ HISTORY_MAX_TOTAL_MB: '1', HISTORY_MAX_CHARS: '1000000' }).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  assert.match(error.problems.join('\n'), /^HISTORY_MAX_TOTAL_MB: 1 cannot hold one conversation of HISTORY_MAX_CHARS=1000000 .*set it to 2 or more/m);
});
