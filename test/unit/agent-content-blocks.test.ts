// Proves how turns become Converse content: images and documents as blocks, text files inlined
// in a fence, document names sanitised and unique, the per-request limits spent newest first
// with older files mentioned, guardContent on the prompt, and the message rules kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContentBlock, Message } from '@aws-sdk/client-bedrock-runtime';
import { toConverseMessages, type ChatAttachment, type ChatTurn } from '../../src/agent/index.js';
import { DocumentNames, sanitizeDocumentName } from '../../src/agent/content-blocks.js';
import { pdfBytes, pngBytes } from '../fakes/bedrock/sample-files.js';

const image = (name: string): ChatAttachment => ({ kind: 'image', name, format: 'png', bytes: pngBytes() });
const pdf = (name: string): ChatAttachment => ({ kind: 'document', name, format: 'pdf', bytes: pdfBytes(name) });
const textFile = (name: string, content: string, format = 'text'): ChatAttachment => ({ kind: 'text', name, format, bytes: new TextEncoder().encode(content) });
const user = (text: string, attachments?: ChatAttachment[]): ChatTurn => ({ role: 'user', text, ...(attachments ? { attachments } : {}) });
const assistant = (text: string): ChatTurn => ({ role: 'assistant', text });

const kinds = (blocks: ContentBlock[] | undefined) => (blocks ?? []).map((b) => Object.keys(b).find((k) => (b as unknown as Record<string, unknown>)[k] !== undefined));
const texts = (messages: Message[]) => messages.flatMap((m) => (m.content ?? []).flatMap((b) => (b.text === undefined ? [] : [b.text])));
const count = (messages: Message[], kind: 'image' | 'document') => messages.reduce((n, m) => n + (m.content ?? []).filter((b) => b[kind] !== undefined).length, 0);

test('the prompt turn carries images, then documents, then its text', () => {
  const messages = toConverseMessages([], 'what do these show?', { attachments: [image('chart.png'), pdf('report.pdf')] });
  assert.equal(messages.length, 1);
  const content = messages[0]!.content!;
  assert.deepEqual(kinds(content), ['image', 'document', 'text']);
  assert.deepEqual(content[0], { image: { format: 'png', source: { bytes: pngBytes() } } });
  assert.equal(content[1]!.document?.name, 'report');
  assert.equal(content[1]!.document?.format, 'pdf');
  assert.equal(content[2]!.text, 'what do these show?');
});

test('a text file is inlined in a fence with its name and language, never breaking out of it', () => {
  const [message] = toConverseMessages([], 'review this', { attachments: [textFile('app.ts', 'const a = 1;\n', 'typescript'), textFile('notes.md.txt', 'has ``` inside')] });
  const text = message!.content![0]!.text!;
  assert.match(text, /^review this\n\nFile: app\.ts\n```typescript\nconst a = 1;\n```\n\nFile: notes\.md\.txt\n````\nhas ``` inside\n````$/);
});

test('a turn with files and no text still goes; a document always has a text block beside it', () => {
  const messages = toConverseMessages([user('', [pdf('a.pdf')]), assistant('got it')], '', { attachments: [image('b.png')] });
  assert.deepEqual(messages.map((m) => `${m.role}:${kinds(m.content).join(',')}`), ['user:document,text', 'assistant:text', 'user:image']);
  assert.equal(messages[0]!.content![1]!.text, 'Attached: a');
});

test('history files count against one request: 20 images and 5 documents, newest kept, oldest mentioned', () => {
  const history: ChatTurn[] = [];
  for (let turn = 0; turn < 5; turn += 1) {
    history.push(user(`turn ${turn}`, [...Array.from({ length: 5 }, (_, i) => image(`t${turn}-${i}.png`)), pdf(`t${turn}.pdf`), pdf(`t${turn}b.pdf`)]));
    history.push(assistant(`answer ${turn}`));
  }
  const messages = toConverseMessages(history, 'and now?', { attachments: [image('new.png')] });
  assert.equal(count(messages, 'image'), 20);
  assert.equal(count(messages, 'document'), 5);
  assert.deepEqual(kinds(messages.at(-1)!.content), ['image', 'text'], 'the prompt keeps its own image');
  const all = texts(messages).join('\n');
  // 1 new + 19 from history: turns 4, 3, 2 and the first four of turn 1 (within a turn, as in a plan, the first win).
  assert.match(all, /\[image t0-0\.png from earlier, not resent\]/);
  assert.match(all, /\[image t1-4\.png from earlier, not resent\]/);
  assert.doesNotMatch(all, /t1-3\.png/);
  assert.match(all, /\[document t2b\.pdf from earlier, not resent\]/);
  assert.doesNotMatch(all, /t3\.pdf from earlier/);
});

test('assistant turns never carry images or documents; their files are only mentioned', () => {
  const messages = toConverseMessages([user('hi'), { role: 'assistant', text: 'here', attachments: [image('gen.png')] }], 'thanks');
  assert.equal(count(messages, 'image'), 0);
  assert.match(texts(messages).join('\n'), /\[image gen\.png from earlier, not resent\]/);
});

test('document names are sanitised to what Converse accepts and unique (ignoring case) within the request', () => {
  assert.equal(sanitizeDocumentName('report.pdf'), 'report');
  assert.equal(sanitizeDocumentName('Q3 report  (final).v2.pdf'), 'Q3 report (final)-v2');
  assert.equal(sanitizeDocumentName('Bericht_März_2024.docx'), 'Bericht-Marz-2024');
  assert.equal(sanitizeDocumentName('../../etc/passwd'), 'passwd');
  assert.equal(sanitizeDocumentName('.pdf'), 'pdf');
  assert.equal(sanitizeDocumentName('日本語.pdf'), 'document');
  assert.equal(sanitizeDocumentName(`${'a'.repeat(300)}.pdf`).length, 200);
  for (const name of ['x\ty\u00a0z', '[draft] notes!!.txt', '--weird__name--.csv']) {
    const clean = sanitizeDocumentName(name);
    assert.match(clean, /^[A-Za-z0-9 \-()[\]]+$/, clean);
    assert.doesNotMatch(clean, /\s{2}/);
  }
  const names = new DocumentNames();
  assert.deepEqual(['report.pdf', 'report.docx', 'REPORT.csv', 'report (2).pdf', `${'b'.repeat(250)}.pdf`, `${'b'.repeat(250)}.txt`].map((n) => names.take(n)), [
    'report', 'report (2)', 'REPORT (3)', 'report (2) (2)', 'b'.repeat(200), `${'b'.repeat(196)} (2)`,
  ]);
});

test('with a guardrail the prompt text goes in guardContent, history stays plain text', () => {
  const messages = toConverseMessages([user('earlier'), assistant('reply')], 'the new question', { guardPrompt: true, attachments: [pdf('doc.pdf')] });
  const last = messages.at(-1)!.content!;
  assert.deepEqual(kinds(last), ['document', 'text', 'guardContent']);
  assert.deepEqual(last[2], { guardContent: { text: { text: 'the new question' } } });
  assert.equal(last[1]!.text, 'Attached: doc', 'a plain text block stays beside the document');
  assert.deepEqual(messages[0]!.content, [{ text: 'earlier' }]);
});

test('the rules of converse-messages still hold: user first, alternation, no blank text', () => {
  const messages = toConverseMessages([assistant('stray'), user('  '), user('a'), user('b'), assistant(''), assistant('c')], '   ');
  assert.deepEqual(messages.map((m) => `${m.role}:${texts([m]).join('|')}`), ['user:a|b', 'assistant:c', 'user:(no text)']);
});
