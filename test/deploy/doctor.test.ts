// Proves `npm run doctor` end to end: the script runs as its own process with the real Slack,
// Discord and AWS clients against the fakes (through the same URL variables the bot uses). One
// run with everything working exits 0 with a ✓ on every check; each broken setting gives a ✗
// naming its variable (or setting) with a non-zero exit; no run prints a token or secret.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import type { FakeBedrock } from '../fakes/bedrock/index.js';
import { Intent, startFakeDiscord } from '../fakes/discord/index.js';
import type { FakeDiscord } from '../fakes/discord/index.js';
import { startFakeEventBridge } from '../fakes/eventbridge.js';
import type { FakeEventBridge } from '../fakes/eventbridge.js';
import { startFakeSecretsManager } from '../fakes/secrets-manager.js';
import type { FakeSecretsManager } from '../fakes/secrets-manager.js';
import { manifestBotScopes, startFakeSlack } from '../fakes/slack/index.js';
import type { FakeSlack } from '../fakes/slack/index.js';
import { cleanEnv, runScript, scratchFile } from './run-script.js';
import type { ScriptResult } from './run-script.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
const FALLBACK = 'us.anthropic.claude-haiku-4-5';
const DENIED = 'us.anthropic.claude-opus-4-1';
const GUARDRAIL = 'gr1doctor2test';
const RULE = 'AgentcoreChatBridge-KeepaliveSchedule-FAKE01';
const DISCORD_TOKEN = 'ZmFrZS1kb2N0b3ItYm90.Gx1a2b.doctor-test-discord-token-value-000000';
const SECRET_ID = 'bridge/tokens';
const NO_ENV_FILE = scratchFile('absent.env');

interface Fakes {
  slack: FakeSlack;
  slackFewScopes: FakeSlack;
  discord: FakeDiscord;
  discordNoContent: FakeDiscord;
  discordSpent: FakeDiscord;
  bedrock: FakeBedrock;
  secrets: FakeSecretsManager;
  agentcore: FakeAgentCore;
  events: FakeEventBridge;
}

describe('npm run doctor against the fakes', () => {
  let fakes: Fakes;
  /** Every value no output may contain. */
  let secretValues: string[];

  before(async () => {
    const [slack, slackFewScopes, discord, discordNoContent, discordSpent, bedrock, secrets, agentcore, events] = await Promise.all([
      startFakeSlack(),
      startFakeSlack({ botScopes: manifestBotScopes().filter((scope) => scope !== 'files:read' && scope !== 'reactions:write') }),
      startFakeDiscord({ token: DISCORD_TOKEN }),
      startFakeDiscord({ token: DISCORD_TOKEN, disallowedIntents: Intent.MessageContent }),
      startFakeDiscord({ token: DISCORD_TOKEN, sessionStartsUsed: 1000 }),
      startFakeBedrock({ models: [MODEL, FALLBACK, DENIED], deniedModels: [DENIED], guardrails: [GUARDRAIL] }),
      startFakeSecretsManager({ secrets: { [SECRET_ID]: JSON.stringify({ DISCORD_BOT_TOKEN: DISCORD_TOKEN }), 'bridge/not-json': 'DISCORD_BOT_TOKEN=oops' } }),
      startFakeAgentCore(),
      startFakeEventBridge({ [RULE]: { state: 'ENABLED', scheduleExpression: 'rate(5 minutes)' } }),
    ]);
    fakes = { slack, slackFewScopes, discord, discordNoContent, discordSpent, bedrock, secrets, agentcore, events };
    secretValues = [slack.tokens.bot, slack.tokens.app, DISCORD_TOKEN, agentcore.env.AWS_SECRET_ACCESS_KEY!];
  });
  after(async () => {
    await Promise.all(Object.values(fakes).map((fake: { close(): Promise<void> }) => fake.close()));
  });

  /** Everything configured and working: Slack tokens in the environment, Discord's in the secret. */
  function workingEnv(): Record<string, string> {
    const { slack, discord, bedrock, secrets, agentcore, events } = fakes;
    return {
      ...cleanEnv(),
      ...agentcore.env,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
      SLACK_BOT_TOKEN: slack.tokens.bot,
      SLACK_APP_TOKEN: slack.tokens.app,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_API_URL: discord.apiUrl,
      BRIDGE_SECRET_ID: SECRET_ID,
      BEDROCK_MODEL_ID: MODEL,
      BEDROCK_GUARDRAIL_ID: GUARDRAIL,
      BEDROCK_GUARDRAIL_VERSION: '1',
      BEDROCK_FALLBACK_MODEL_ID: FALLBACK,
      AGENTCORE_RUNTIME_ARN: agentcore.runtimeArn,
      AGENTCORE_QUALIFIER: agentcore.endpointName,
      KEEPALIVE_RULE_NAME: RULE,
    };
  }

  async function doctor(env: Record<string, string>, args: readonly string[] = ['--runtime'], dotenv = NO_ENV_FILE): Promise<ScriptResult & { lines: string[] }> {
    const result = await runScript('doctor', ['--dotenv', dotenv, ...args], env);
    const output = result.stdout + result.stderr;
    for (const value of [...secretValues, env.SLACK_BOT_TOKEN, env.SLACK_APP_TOKEN, env.DISCORD_BOT_TOKEN]) {
      if (value !== undefined && value !== '') assert.ok(!output.includes(value), `the output shows a secret value:\n${output}`);
    }
    return { ...result, lines: result.stdout.trim().split('\n') };
  }

  function line(lines: readonly string[], label: string): string {
    const found = lines.find((l) => l.slice(2).startsWith(`${label}:`));
    assert.ok(found !== undefined, `no "${label}" line in:\n${lines.join('\n')}`);
    return found;
  }

  it('passes every check when everything configured works, and talks to each service to know it', async () => {
    const { slack, discord, bedrock, secrets, events, agentcore } = fakes;
    const seen = { slack: slack.calls.length, discord: discord.calls.length, bedrock: bedrock.requests.length, guardrail: bedrock.guardrailCalls.length,
      secrets: secrets.requests.length, events: events.operations.length, agentcore: agentcore.operations('agentcore-control').length };
    const result = await doctor(workingEnv());
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const labels = ['secret', 'config', 'slack bot token', 'slack bot scopes', 'slack app token', 'discord bot token', 'discord message content intent',
      'discord identify budget', 'bedrock model', 'bedrock guardrail', 'bedrock fallback model', 'runtime', 'runtime endpoint', 'keepalive schedule'];
    for (const label of labels) assert.match(line(result.lines, label), /^✓ /);
    assert.match(line(result.lines, '.env'), /^– \.env: no /);
    assert.match(line(result.lines, 'secret'), /bridge\/tokens is readable and holds valid JSON with the keys DISCORD_BOT_TOKEN \(values not shown\)/);
    assert.match(line(result.lines, 'slack bot scopes'), /all 10 scopes/);
    assert.match(line(result.lines, 'discord identify budget'), /\b1000 of 1000 session starts left/);
    assert.equal(result.lines.at(-1), `All ${labels.length} checks passed (1 not configured or not checked).`);

    const sorted = (items: string[]) => items.sort();
    assert.deepEqual(sorted(slack.calls.slice(seen.slack).map((c) => `${c.method} ${c.token === slack.tokens.bot ? 'bot' : 'app'}`)), ['apps.connections.open app', 'auth.test bot']);
    assert.deepEqual(sorted(discord.calls.slice(seen.discord).map((c) => `${c.method} ${c.path} ${c.status}`)), ['GET /applications/@me 200', 'GET /gateway/bot 200', 'GET /users/@me 200']);
    assert.deepEqual(sorted(bedrock.requests.slice(seen.bedrock).map((r) => `${r.modelId} ${(r.body.inferenceConfig as { maxTokens?: number }).maxTokens}`)), [`${FALLBACK} 1`, `${MODEL} 1`]);
    assert.deepEqual(bedrock.guardrailCalls.slice(seen.guardrail).map((c) => `${c.guardrailIdentifier} ${c.guardrailVersion}`), [`${GUARDRAIL} 1`]);
    assert.deepEqual(secrets.requests.slice(seen.secrets).map((r) => r.operation), ['GetSecretValue']);
    assert.deepEqual(events.operations.slice(seen.events), ['DescribeRule']);
    assert.deepEqual(sorted(agentcore.operations('agentcore-control').slice(seen.agentcore)), ['agentcore-control:GetAgentRuntime', 'agentcore-control:GetAgentRuntimeEndpoint']);
  });

  const broken: ReadonlyArray<{ check: string; change: (env: Record<string, string>, f: Fakes) => void; says: RegExp }> = [
    { check: 'config', change: (env) => (env.BEDROCK_MAX_TOKENS = 'lots'), says: /BEDROCK_MAX_TOKENS must be a whole number .* fix: correct BEDROCK_MAX_TOKENS \(set in the environment\)/ },
    { check: 'secret', change: (env) => (env.BRIDGE_SECRET_ID = 'bridge/not-json'), says: /"bridge\/not-json" is not valid JSON.* fix: BRIDGE_SECRET_ID must name a secret/ },
    { check: 'slack bot token', change: (env) => (env.SLACK_BOT_TOKEN = 'xoxb-not-the-installed-token'), says: /refused it \(auth\.test: invalid_auth\) .*SLACK_BOT_TOKEN \(set in the environment\)/ },
    { check: 'slack bot scopes', change: (env, f) => (env.SLACK_API_URL = f.slackFewScopes.apiUrl), says: /lacks reactions:write, files:read .*SLACK_BOT_TOKEN/ },
    { check: 'slack app token', change: (env) => (env.SLACK_APP_TOKEN = 'xapp-1-revoked-app-token'), says: /apps\.connections\.open: invalid_auth\) .*SLACK_APP_TOKEN/ },
    { check: 'discord bot token', change: (env) => (env.DISCORD_BOT_TOKEN = 'not.the.token'), says: /401 Unauthorized\) — fix: .*DISCORD_BOT_TOKEN \(set in the environment\)/ },
    { check: 'discord message content intent', change: (env, f) => (env.DISCORD_API_URL = f.discordNoContent.apiUrl), says: /Message Content Intent is off .*4014.* fix: enable Privileged Gateway Intents → Message Content Intent/ },
    { check: 'discord identify budget', change: (env, f) => (env.DISCORD_API_URL = f.discordSpent.apiUrl), says: /0 of 1000 session starts left today/ },
    { check: 'bedrock model', change: (env) => (env.BEDROCK_MODEL_ID = DENIED), says: /no access to us\.anthropic\.claude-opus-4-1 in us-east-1: AccessDeniedException.* fix: .*BEDROCK_MODEL_ID \(set in the environment\)/ },
    { check: 'bedrock guardrail', change: (env) => (env.BEDROCK_GUARDRAIL_ID = 'gr1missing'), says: /gr1missing version 1 was not found .*BEDROCK_GUARDRAIL_ID/ },
    { check: 'bedrock fallback model', change: (env) => (env.BEDROCK_FALLBACK_MODEL_ID = 'us.vendor.retired-model-v1'), says: /cannot be invoked .*ValidationException.* fix: set BEDROCK_FALLBACK_MODEL_ID/ },
    { check: 'runtime', change: (env) => (env.AGENTCORE_RUNTIME_ARN = env.AGENTCORE_RUNTIME_ARN!.replace(/[^/]+$/, 'other_runtime-Zz99Yy88Xx')), says: /not found.* fix: set AGENTCORE_RUNTIME_ARN/ },
    { check: 'runtime endpoint', change: (env) => (env.AGENTCORE_QUALIFIER = 'staging'), says: /not found.* fix: set AGENTCORE_QUALIFIER/ },
    { check: 'keepalive schedule', change: (env) => (env.KEEPALIVE_RULE_NAME = 'no-such-rule'), says: /not found.* fix: set KEEPALIVE_RULE_NAME/ },
  ];
  for (const { check, change, says } of broken) {
    it(`a broken ${check} is one ✗ that names what to fix, and the exit is non-zero`, async () => {
      const env = workingEnv();
      change(env, fakes);
      const result = await doctor(env);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const failed = result.lines.filter((l) => l.startsWith('✗ '));
      assert.deepEqual(failed.map((l) => l.slice(2, l.indexOf(':'))), [check], result.stdout);
      assert.match(failed[0]!, says);
    });
  }

  it('a runtime that is not READY and a disabled keepalive rule are each a ✗', async () => {
    const { agentcore, events } = fakes;
    const version = agentcore.state.versions[0]!;
    version.status = 'UPDATE_FAILED';
    events.rules.get(RULE)!.state = 'DISABLED';
    try {
      const result = await doctor(workingEnv());
      assert.equal(result.code, 1);
      assert.match(line(result.lines, 'runtime'), /^✗ runtime: agentcore_chat_bridge version 1 is UPDATE_FAILED — fix: .*npm run deploy/);
      assert.match(line(result.lines, 'keepalive schedule'), new RegExp(`^✗ keepalive schedule: ${RULE} \\(rate\\(5 minutes\\)\\) is DISABLED.* fix: aws events enable-rule --name ${RULE}$`));
    } finally {
      version.status = 'READY';
      events.rules.get(RULE)!.state = 'ENABLED';
    }
  });

  it('an unreadable secret leaves the platforms its tokens would configure as "not checked", not as unconfigured', async () => {
    const result = await doctor({ ...workingEnv(), BRIDGE_SECRET_ID: 'bridge/absent' });
    assert.equal(result.code, 1);
    assert.match(line(result.lines, 'secret'), /^✗ secret: could not read secret "bridge\/absent": it does not exist/);
    assert.match(line(result.lines, 'discord'), /^– discord: not checked: DISCORD_BOT_TOKEN are unset and the secret BRIDGE_SECRET_ID names could not be read/);
  });

  it('unconfigured platforms and no --runtime print neutral lines and do not fail the run', async () => {
    const { SLACK_BOT_TOKEN: _b, SLACK_APP_TOKEN: _a, BRIDGE_SECRET_ID: _s, ...bedrockOnly } = workingEnv();
    const result = await doctor(bedrockOnly, []);
    assert.equal(result.code, 0, result.stdout);
    assert.match(line(result.lines, 'slack'), /^– slack: not configured \(SLACK_BOT_TOKEN and SLACK_APP_TOKEN unset\)/);
    assert.match(line(result.lines, 'discord'), /^– discord: not configured \(DISCORD_BOT_TOKEN unset\)/);
    assert.match(line(result.lines, 'runtime'), /^– runtime: not checked; add --runtime/);
    assert.match(line(result.lines, 'bedrock model'), /^✓ /);
  });

  it('reads .env for what the environment leaves unset; the environment wins, and a ✗ says the value came from the file', async () => {
    const file = scratchFile('doctor.env');
    writeFileSync(file, [
      '# as an operator keeps it',
      `SLACK_APP_TOKEN="xapp-1-stale-app-token"`,
      `BEDROCK_MODEL_ID=${DENIED}`,
      'export LOG_LEVEL=debug',
    ].join('\n'));
    const { SLACK_APP_TOKEN: _a, ...env } = workingEnv();
    const result = await doctor({ ...env, BEDROCK_MODEL_ID: MODEL }, [], file);
    assert.equal(result.code, 1);
    assert.match(line(result.lines, '.env'), /^✓ \.env: .*doctor\.env: 2 of 3 variables used/);
    assert.match(line(result.lines, 'bedrock model'), /^✓ bedrock model: us\.anthropic\.claude-sonnet-4-6 answered/);
    assert.match(line(result.lines, 'slack app token'), new RegExp(`^✗ .*SLACK_APP_TOKEN \\(set in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    assert.ok(!result.stdout.includes('xapp-1-stale-app-token'));
  });
});
