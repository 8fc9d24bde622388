// Proves Discord answers survive Discord trimming what it stores: a first chunk that ends (or starts)
// with whitespace, a late answer's apology, a leading skip note all continue to the end; and two
// sessions racing for one message leave exactly one answer, the loser posting nothing of its own.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { REST, SnowflakeUtil } from 'discord.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { DiscordClock, observeRestClock } from '../../src/platforms/discord/discord-clock.js';
import { createDiscordReply } from '../../src/platforms/discord/discord-reply.js';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { eventually, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv, startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';

const mention = (discord: FakeDiscord, text: string) => discord.sendUserMessage({ content: `<@${discord.botUser.id}> ${text}` });
const repliesTo = (discord: FakeDiscord, id: string, channelId?: string) => discord.botMessages(channelId).filter((m) => m.message_reference?.message_id === id);

/** Waits for the one reply to `id` to read `expected` (Discord trims what it stores). */
async function finalAnswer(discord: FakeDiscord, id: string, expected: string): Promise<void> {
  await eventually(() => (repliesTo(discord, id)[0]?.content === expected ? true : undefined), 15_000, `answer "${expected}"; last seen "${repliesTo(discord, id)[0]?.content}"`);
  assert.equal(repliesTo(discord, id).length, 1);
}

describe('streamed answers whose chunks Discord trims', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
    // Slow deltas: the first post carries the first chunk alone, as a real model's first token does.
    rig.bedrock.setLatency({ perChunkMs: 250 });
  });
  after(async () => {
    rig.bedrock.setResponder(undefined);
    await rig.close();
  });

  for (const [what, chunks] of [
    ['ends in a blank line', ['Here is the plan:\n\n', 'first this,', ' then that.']],
    ['ends in a space', ['ECHO[1]: ', 'the second', ' question']],
    ['starts with a blank line', ['\n\nAnswer', ' goes on', ' to the end.']],
  ] as const) {
    test(`a first chunk that ${what}: the whole answer arrives`, async () => {
      rig.bedrock.setResponder(() => ({ chunks: [...chunks] }));
      const question = mention(rig.discord, what);
      await finalAnswer(rig.discord, question.id, chunks.join('').trim());
    });
  }
});

test('a late (caught-up) answer shows the apology and then the answer', async () => {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  const bedrock = await startFakeBedrock({ latency: { perChunkMs: 100 } });
  const missed = [1, 2, 3].map((i) => mention(discord, `missed question ${i}`));
  const bridge = await startBridge({ ...discordEnv(discord, bedrock), CATCHUP_WINDOW_SECONDS: '60' });
  try {
    for (const [i, message] of missed.entries()) {
      await finalAnswer(discord, message.id, `_(Sorry for the late answer: I was offline when you sent this.)_\n\nEcho: missed question ${i + 1}`);
    }
  } finally {
    await bridge.stop();
    await discord.close();
    await bedrock.close();
  }
});

test('an answer that starts with a skip note keeps the note and the answer (the sink over the real REST client)', async () => {
  const discord = await startFakeDiscord();
  const rest = new REST({ api: discord.apiUrl }).setToken(discord.token);
  const clock = new DiscordClock();
  observeRestClock(rest, clock);
  const logger = createLogger({ level: 'debug', redactor: new Redactor(), stream: new PassThrough().resume() });
  try {
    const question = discord.sendUserMessage({ content: 'what is in this file?' });
    // What the platform does when the message arrives over the gateway.
    clock.observe(SnowflakeUtil.timestampFrom(question.id));
    const sink = createDiscordReply(rest, { channelId: discord.channelId, replyToMessageId: question.id }, clock, logger);
    await sink.start();
    sink.append('_(Skipped report.exe: not a file type I can read.)_\n\n');
    await discord.waitForBotMessage((m) => m.message_reference?.message_id === question.id);
    sink.append('Without the file I can only say: send it as a PDF.');
    await sink.finish();
    await finalAnswer(discord, question.id, '_(Skipped report.exe: not a file type I can read.)_\n\nWithout the file I can only say: send it as a PDF.');
  } finally {
    await discord.close();
  }
});

test('two sessions racing for one message: one answers, the other abandons without posting or editing', async () => {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  let requests = 0;
  let releaseSecond: () => void = () => undefined;
  const secondMayAnswer = new Promise<void>((resolve) => (releaseSecond = resolve));
  // Both sessions begin their answers alike; only the second one's later text says whose it is.
  const bedrock = await startFakeBedrock({
    latency: { firstChunkMs: 100, perChunkMs: 300 },
    respond: async () => {
      requests += 1;
      const n = requests;
      if (n === 2) await secondMayAnswer;
      return { chunks: ['Answer', ` from session ${n}`, ', complete.'] };
    },
  });
  const bridges: InProcessBridge[] = [];
  try {
    for (let i = 0; i < 2; i += 1) {
      const bridge = await startBridge(discordEnv(discord, bedrock));
      bridges.push(bridge);
      await eventually(() => (bridge.app.platforms[0]!.connection.state === 'connected' ? true : undefined), 15_000, `session ${i + 1} connected`);
    }
    const question = mention(discord, 'who answers?');
    const posts = () => discord.calls.filter((c) => c.method === 'POST' && (c.body as { nonce?: string } | undefined)?.nonce === question.id);
    await discord.waitUntil(() => posts().length >= 1, 'the first session\'s reply', 15_000);
    releaseSecond();
    await finalAnswer(discord, question.id, 'Answer from session 1, complete.');
    for (const bridge of bridges) await bridge.logs.waitFor((r) => r.message === 'message handled' && r.messageId === question.id, 15_000);
    assert.equal(posts().length, 2, 'both sessions asked Discord for the reply');
    assert.equal(repliesTo(discord, question.id).length, 1);
    const written = discord.calls.filter((c) => JSON.stringify(c.body ?? '').includes('from session 2'));
    assert.deepEqual(written.map((c) => `${c.method} ${c.path}`), [], 'the second session wrote nothing of its own');
    const left = bridges.flatMap((b) => b.logs.records()).filter((r) => r.message === 'another session is answering this message; leaving it');
    assert.equal(left.length, 1);
  } finally {
    for (const bridge of bridges) await bridge.stop();
    await discord.close();
    await bedrock.close();
  }
});
