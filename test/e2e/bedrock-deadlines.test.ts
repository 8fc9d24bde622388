// Proves how the real BedrockAgent (real SDK, the bot's keep-alive HTTP/1.1 handler, the fake
// Bedrock) tells its own deadlines from the caller's cancellation, and what each turns into.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { BedrockAgent, ModelError, ToolRegistry, currentTimeTool, type ChatResult } from '../../src/agent/index.js';
import { loadConfig } from '../../src/config/index.js';
import { BridgeError } from '../../src/errors.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { awsTestEnv, eventually } from '../helpers/bridge-harness.js';

let bedrock: FakeBedrock;

before(async () => {
  bedrock = await startFakeBedrock();
  // The agent builds its own client (the bot's handler); the SDK reads endpoint and credentials here.
  Object.assign(process.env, awsTestEnv(bedrock.url));
});
after(() => bedrock.close());

async function agentWith(env: Record<string, string>): Promise<BedrockAgent> {
  const { agent: config } = await loadConfig({ BEDROCK_MODEL_ID: 'anthropic.claude-3-5-haiku-20241022-v1:0', ...env });
  const logger = createLogger({ level: 'error', redactor: new Redactor(), stream: new PassThrough() });
  return new BedrockAgent(config, new ToolRegistry([currentTimeTool]), logger);
}

function ask(agent: BedrockAgent, prompt: string, signal: AbortSignal, shown: string[] = []): Promise<ChatResult> {
  return agent.reply({ conversationKey: 'test:deadlines', history: [], prompt, onDelta: (delta) => shown.push(delta), signal });
}

test("the caller's cancellation of a silent stream is rethrown as its reason, not called a model timeout", async () => {
  const agent = await agentWith({ BEDROCK_IDLE_TIMEOUT_SECONDS: '60' });
  const hold = bedrock.holdNext(1, { afterChunks: 1 });
  const caller = new AbortController();
  const before = bedrock.requests.length;
  const reply = ask(agent, 'shut down while I am silent', caller.signal);
  await hold.reached();
  const shutdown = new BridgeError('shutting_down', 'the process is shutting down', 'I was restarted before I could finish this answer. Please ask again.');
  caller.abort(shutdown);
  await assert.rejects(reply, (error: unknown) => error === shutdown);
  await eventually(() => (bedrock.requests[before]?.clientGone === true ? true : undefined), 2000, 'the request torn down');
  assert.equal(agent.stats().timeouts, 0);
  hold.release();
});

test('a stream silent past the idle timeout before any text, on both tries, is a model_timeout', async () => {
  const agent = await agentWith({ BEDROCK_IDLE_TIMEOUT_SECONDS: '1' });
  const hold = bedrock.holdNext(2, { afterChunks: 0 });
  await assert.rejects(ask(agent, 'silent after messageStart', AbortSignal.timeout(10_000)), (error: unknown) => {
    assert.ok(error instanceof ModelError);
    assert.equal(error.code, 'model_timeout');
    assert.equal(error.userMessage, 'The model did not answer in time. Please try again.');
    return true;
  });
  assert.equal(agent.stats().timeouts, 1);
  hold.release();
});

test('a turn past its bound after some text was shown says the answer was cut off, and nothing more is shown', async () => {
  const agent = await agentWith({ BEDROCK_IDLE_TIMEOUT_SECONDS: '1', BEDROCK_TURN_TIMEOUT_SECONDS: '2' });
  bedrock.setResponder(() => ({ text: 'Let me look. ', toolUse: { name: 'current_time', input: {} } }));
  bedrock.setLatency({ firstChunkMs: 600 });
  const shown: string[] = [];
  try {
    await assert.rejects(ask(agent, 'keep looking', AbortSignal.timeout(10_000), shown), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.code, 'model_turn_timeout');
      assert.match(error.userMessage ?? '', /^_\(My answer was cut off: it took longer than the 2 seconds one answer may take/);
      return true;
    });
    const atFailure = shown.length;
    assert.ok(shown.join('').startsWith('Let me look.'));
    // The round in flight when the bound struck is torn down and shows nothing afterwards.
    await eventually(() => (bedrock.requests.at(-1)?.clientGone === true ? true : undefined), 2000, 'the last round torn down');
    assert.equal(shown.length, atFailure);
  } finally {
    bedrock.setResponder(undefined);
    bedrock.setLatency({ firstChunkMs: 0 });
  }
});
