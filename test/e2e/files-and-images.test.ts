// Proves files reach the model as Bedrock content blocks from both platforms, safely: only from
// the platform's file host, with the bot token on Slack, one download per file, and one short
// "skipped" line for what cannot be sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { pdfDocument, pngImage } from '../helpers/files.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

type Block = { text?: string; image?: { format: string; source: { bytes: string } }; document?: { format: string; name: string } };
type Messages = { role: string; content: Block[] }[];

function lastUserBlocks(messages: Messages): Block[] {
  return messages.filter((m) => m.role === 'user').at(-1)!.content;
}

describe('Slack files', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig();
    rig.slack.addChannel({ id: 'DALICE', type: 'im', user: 'UALICE' });
  });
  after(() => rig.close());

  const answerIn = (channel: string, contains: string) =>
    eventually(() => rig.slack.messages(channel).find((m) => m.bot_id !== undefined && m.text.includes(contains)), 15_000, `answer with "${contains}"`);

  test('an image in a DM reaches the model as an image block, downloaded once with the bot token', async () => {
    const image = rig.slack.uploadFile({ name: 'screenshot.png', mimetype: 'image/png', data: pngImage(4, 3) });
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'what is in this?', files: [image] });
    await answerIn('DALICE', 'what is in this?');
    const blocks = lastUserBlocks(rig.bedrock.requests.at(-1)!.body.messages as Messages);
    const imageBlock = blocks.find((b) => b.image !== undefined);
    assert.equal(imageBlock?.image?.format, 'png');
    assert.deepEqual(Buffer.from(imageBlock.image.source.bytes, 'base64'), pngImage(4, 3));
    const downloads = rig.slack.files.downloads.filter((d) => d.fileId === image.id);
    assert.equal(downloads.length, 1);
    assert.equal(downloads[0]!.authorized, true);
  });

  test('a PDF on a mention becomes a document block; a later turn can still refer to it', async () => {
    const pdf = rig.slack.uploadFile({ name: 'Q3 report (final).pdf', mimetype: 'application/pdf', data: pdfDocument() });
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> summarise this', files: [pdf] });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', posted.ts)[0], 15_000, 'answer');
    const first = lastUserBlocks(rig.bedrock.requests.at(-1)!.body.messages as Messages).find((b) => b.document !== undefined);
    assert.equal(first?.document?.format, 'pdf');
    assert.match(first.document.name, /^Q3 report \(final\)/);
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> and the totals?', threadTs: posted.ts });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', posted.ts).find((m) => m.text.includes('and the totals?')), 15_000, 'follow-up');
    const all = JSON.stringify(rig.bedrock.requests.at(-1)!.body.messages);
    assert.match(all, /"document"/, 'the document is still in the conversation');
    assert.equal(rig.slack.files.downloads.filter((d) => d.fileId === pdf.id).length, 1, 'never downloaded twice');
  });

  test('a 30 MB file and 25 images get one "skipped" line; nothing too big is downloaded', async () => {
    const huge = rig.slack.uploadFile({ name: 'dump.png', mimetype: 'image/png', data: pngImage(), claimedSize: 30 * 1024 * 1024 });
    const images = Array.from({ length: 25 }, (_, i) => rig.slack.uploadFile({ name: `pic${i}.png`, mimetype: 'image/png', data: pngImage() }));
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'many files', files: [huge, ...images] });
    const answer = await answerIn('DALICE', 'many files');
    const full = await eventually(() => rig.slack.messages('DALICE').find((m) => m.ts === answer.ts && /Skipped/.test(m.text)), 15_000, 'skipped line');
    assert.match(full.text, /dump\.png \(too big/);
    assert.match(full.text, /20 images/);
    assert.equal(rig.slack.files.downloads.some((d) => d.fileId === huge.id), false, 'the 30 MB file was never fetched');
    const sent = lastUserBlocks(rig.bedrock.requests.at(-1)!.body.messages as Messages).filter((b) => b.image !== undefined);
    assert.equal(sent.length, 20);
  });

  test('a download redirected to another host is refused and said so', async () => {
    const file = rig.slack.uploadFile({ name: 'chart.png', mimetype: 'image/png', data: pngImage() });
    rig.slack.files.redirect(file.id, 'http://127.0.0.2:9/steal');
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'see chart', files: [file] });
    const answer = await answerIn('DALICE', 'see chart');
    const full = await eventually(() => rig.slack.messages('DALICE').find((m) => m.ts === answer.ts && /Skipped/.test(m.text)), 15_000, 'skipped line');
    assert.match(full.text, /chart\.png \(refused: 127\.0\.0\.2:9 is not the platform's file host\)/);
    const blocks = lastUserBlocks(rig.bedrock.requests.at(-1)!.body.messages as Messages);
    assert.equal(blocks.some((b) => b.image !== undefined), false, 'the refused file was not sent with this turn');
    assert.equal(rig.slack.files.downloads.filter((d) => d.fileId === file.id).length, 1, 'asked once, refused at the redirect');
  });
});

describe('Discord attachments', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
  });
  after(() => rig.close());

  test('an image on a mention reaches the model as an image block', async () => {
    const message = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> look`, attachments: [{ filename: 'photo.png', contentType: 'image/png', data: pngImage(3, 3) }] });
    await rig.discord.waitForBotMessage((m) => m.message_reference?.message_id === message.id, undefined, 15_000);
    await eventually(() => (rig.bedrock.requests.length > 0 ? true : undefined));
    const blocks = lastUserBlocks(rig.bedrock.requests.at(-1)!.body.messages as Messages);
    const image = blocks.find((b) => b.image !== undefined);
    assert.equal(image?.image?.format, 'png');
    assert.deepEqual(Buffer.from(image.image.source.bytes, 'base64'), pngImage(3, 3));
  });
});
