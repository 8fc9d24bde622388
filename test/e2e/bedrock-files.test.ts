// Proves files reach the model as Bedrock takes them, through the real BedrockAgent and the real
// SDK against the fake Bedrock (which validates blocks as the service does): an image as an image
// block, a PDF as a document block, text inlined, a lying mime type corrected, a 30 MB file and a
// 25-image message reduced to what fits with the skipped line, and files kept across turns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  BedrockAgent,
  ModelError,
  ToolRegistry,
  checkDownloaded,
  currentTimeTool,
  describeSkipped,
  isSkipped,
  planAttachments,
  type ChatAttachment,
  type ChatResult,
  type ChatTurn,
  type FileMetadata,
  type SkippedDownload,
} from '../../src/agent/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { jpegBytes, pdfBytes, pngBytes } from '../fakes/bedrock/sample-files.js';

const MB = 1024 * 1024;
let bedrock: FakeBedrock;
let client: BedrockRuntimeClient;
let agent: BedrockAgent;

before(async () => {
  bedrock = await startFakeBedrock();
  client = new BedrockRuntimeClient({ endpoint: bedrock.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 });
  const { agent: config } = await loadConfig({ SYSTEM_PROMPT: 'You are a test bot.' });
  const logger = createLogger({ level: 'debug', redactor: new Redactor(), stream: new PassThrough().resume() });
  agent = new BedrockAgent(config, new ToolRegistry([currentTimeTool]), logger, client);
});
after(async () => {
  client.destroy();
  await bedrock.close();
});

function ask(prompt: string, attachments: ChatAttachment[] = [], history: ChatTurn[] = []): Promise<ChatResult> {
  return agent.reply({ conversationKey: 'test:files', history, prompt, attachments, onDelta: () => undefined, signal: AbortSignal.timeout(10_000) });
}

/** What an adapter does: plan from metadata, "download" the accepted files, check them. */
function receive(files: (FileMetadata & { bytes: Uint8Array })[]): { attachments: ChatAttachment[]; skippedLine: string } {
  const plan = planAttachments(files);
  const attachments: ChatAttachment[] = [];
  const failedChecks: SkippedDownload[] = [];
  for (const accepted of plan.accept) {
    const file = files[accepted.index]!;
    const checked = checkDownloaded({ kind: accepted.kind, name: file.name, format: accepted.format, bytes: file.bytes });
    if (isSkipped(checked)) failedChecks.push(checked);
    else attachments.push(checked);
  }
  return { attachments, skippedLine: describeSkipped([...plan.skipped, ...failedChecks]) };
}

type Block = Record<string, Record<string, unknown> | string | undefined>;
const lastUserContent = (): Block[] => {
  const messages = bedrock.requests.at(-1)!.body.messages as { role: string; content: Block[] }[];
  return messages.at(-1)!.content;
};

test('an image reaches the model as an image block with its bytes', async () => {
  const bytes = pngBytes(640, 480);
  const { attachments, skippedLine } = receive([{ name: 'screenshot.png', mimeType: 'image/png', sizeBytes: bytes.byteLength, bytes }]);
  assert.equal(skippedLine, '');
  const result = await ask('what is in this picture?', attachments);
  assert.equal(result.text, 'Echo: what is in this picture? [images: 1 png]');
  const [image, text] = lastUserContent();
  assert.deepEqual(image, { image: { format: 'png', source: { bytes: Buffer.from(bytes).toString('base64') } } });
  assert.deepEqual(text, { text: 'what is in this picture?' });
});

test('a JPEG uploaded as image/png is sent as jpeg (the fake, like Claude, rejects a lying format)', async () => {
  const bytes = jpegBytes(100, 100);
  const { attachments } = receive([{ name: 'photo.png', mimeType: 'image/png', sizeBytes: bytes.byteLength, bytes }]);
  assert.equal((await ask('and this?', attachments)).text, 'Echo: and this? [images: 1 jpeg]');
  const unchecked: ChatAttachment = { kind: 'image', name: 'photo.png', format: 'png', bytes };
  await assert.rejects(ask('unchecked', [unchecked]), (error: unknown) => error instanceof ModelError && error.code === 'model_rejected');
});

test('a PDF reaches the model as a document block with a name Converse accepts', async () => {
  const bytes = pdfBytes('quarterly numbers');
  const { attachments } = receive([{ name: 'Q3 report (final).v2.pdf', mimeType: 'application/pdf', sizeBytes: bytes.byteLength, bytes }]);
  const result = await ask('summarise it', attachments);
  assert.equal(result.text, 'Echo: summarise it [documents: Q3 report (final)-v2.pdf]');
  const [document] = lastUserContent();
  assert.deepEqual(document, { document: { format: 'pdf', name: 'Q3 report (final)-v2', source: { bytes: Buffer.from(bytes).toString('base64') } } });
});

test('a log file is inlined as text in a fence', async () => {
  const bytes = new TextEncoder().encode('ERROR disk full\n');
  const { attachments } = receive([{ name: 'server.log', mimeType: 'text/plain', sizeBytes: bytes.byteLength, bytes }]);
  const result = await ask('why did it crash?', attachments);
  assert.equal(result.text, 'Echo: why did it crash?\n\nFile: server.log\n```\nERROR disk full\n```');
});

test('a 30 MB file is skipped with the one-line reason; the rest of the message still goes', async () => {
  const small = pngBytes();
  const { attachments, skippedLine } = receive([
    { name: 'huge.png', mimeType: 'image/png', sizeBytes: 30 * MB, bytes: new Uint8Array(0) },
    { name: 'backup.zip', mimeType: 'application/zip', sizeBytes: 1000, bytes: new Uint8Array(0) },
    { name: 'poster.png', mimeType: 'image/png', sizeBytes: 100, bytes: pngBytes(12000, 800) },
    { name: 'ok.png', mimeType: 'image/png', sizeBytes: small.byteLength, bytes: small },
  ]);
  assert.equal(
    skippedLine,
    'Skipped 3 files: huge.png (too big: 30 MB, the limit is 3.75 MB), backup.zip (unsupported type), poster.png (too large: 12000×800 px, the limit is 8000 px a side).',
  );
  assert.equal((await ask('look', attachments)).text, 'Echo: look [images: 1 png]');
});

test('a 25-image message sends 20 images in one request and says the other 5 were skipped', async () => {
  const files = Array.from({ length: 25 }, (_, i) => ({ name: `frame${i + 1}.png`, mimeType: 'image/png', sizeBytes: 100, bytes: pngBytes(10 + i, 10) }));
  const { attachments, skippedLine } = receive(files);
  assert.equal(attachments.length, 20);
  assert.match(skippedLine, /^Skipped 5 files: frame21\.png \(more than 20 images\), .* frame25\.png \(more than 20 images\)\.$/);
  const result = await ask('compare the frames', attachments);
  assert.match(result.text, /\[images: 20 png/);
  assert.equal(lastUserContent().filter((b) => b.image !== undefined).length, 20);
});

test('files stay in the conversation: a later turn resends them, within 20 images per request', async () => {
  const history: ChatTurn[] = [];
  for (let turn = 0; turn < 3; turn += 1) {
    history.push({ role: 'user', text: `batch ${turn}`, attachments: Array.from({ length: 8 }, (_, i) => ({ kind: 'image' as const, name: `b${turn}-${i}.png`, format: 'png', bytes: pngBytes() })) });
    history.push({ role: 'assistant', text: `seen batch ${turn}` });
  }
  history.push({ role: 'user', text: 'the report', attachments: [{ kind: 'document', name: 'report.pdf', format: 'pdf', bytes: pdfBytes() }] });
  history.push({ role: 'assistant', text: 'read it' });
  const result = await ask('what was in the first picture of batch 2?');
  assert.equal(result.text, 'Echo: what was in the first picture of batch 2?');
  const messages = bedrock.requests.at(-1)!.body.messages as { role: string; content: Block[] }[];
  const images = messages.flatMap((m) => m.content.filter((b) => b.image !== undefined));
  assert.equal(images.length, 0, 'no history given, no files');
  await ask('and batch 2?', [], history);
  const resent = bedrock.requests.at(-1)!.body.messages as { role: string; content: Block[] }[];
  assert.equal(resent.flatMap((m) => m.content.filter((b) => b.image !== undefined)).length, 20);
  assert.equal(resent.flatMap((m) => m.content.filter((b) => b.document !== undefined)).length, 1);
  const text = JSON.stringify(resent);
  // The oldest turn gives up its last four images (within a turn, as in a plan, the first ones win).
  for (const name of ['b0-4.png', 'b0-5.png', 'b0-6.png', 'b0-7.png']) assert.match(text, new RegExp(`\\[image ${name} from earlier, not resent\\]`));
  assert.doesNotMatch(text, /b0-3\.png from earlier/);
});
