// Proves history's total budget: bytes held are counted on every store, trim, shrink and forget
// (text at 2 bytes a character plus file bytes), and over the budget content goes in a fixed
// order: other conversations' files (least recently used first, a note left), then whole other
// conversations, then the current conversation's older files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationHistory, type ConversationTurn, type HistoryLimits } from '../../src/core/index.js';

const image = (name: string, bytes: number) => ({ kind: 'image' as const, name, format: 'png', bytes: new Uint8Array(bytes) });
const withFile = (text: string, name: string, bytes: number): ConversationTurn => ({ role: 'user', text, attachments: [image(name, bytes)] });
const user = (text: string): ConversationTurn => ({ role: 'user', text });
const assistant = (text: string): ConversationTurn => ({ role: 'assistant', text });

function history(limits: Partial<HistoryLimits> = {}): ConversationHistory {
  return new ConversationHistory({ maxTurns: 10, maxChars: 100_000, maxConversations: 100, maxAttachmentBytes: 1_000_000, ...limits });
}

const files = (h: ConversationHistory, key: string) => (h.get(key) ?? []).flatMap((t) => (t.attachments ?? []).map((f) => f.name));
const texts = (h: ConversationHistory, key: string) => (h.get(key) ?? []).map((t) => t.text);

/** What a full recount of every conversation gives, to check the running totals against. */
function recount(h: ConversationHistory, keys: Iterable<string>): { textBytes: number; fileBytes: number } {
  let textBytes = 0;
  let fileBytes = 0;
  for (const key of keys) {
    for (const turn of h.get(key) ?? []) {
      textBytes += turn.text.length * 2;
      for (const file of turn.attachments ?? []) fileBytes += file.bytes.byteLength;
    }
  }
  return { textBytes, fileBytes };
}

test('held bytes follow every store, trim and forget: 2 bytes a character plus file bytes', () => {
  const h = history({ maxTurns: 4 });
  h.append('a', user('hello'), assistant('hi there'));
  assert.deepEqual([h.stats().textBytes, h.stats().fileBytes], [26, 0]);
  h.append('a', withFile('see', 'one.png', 1000), assistant('ok'));
  assert.deepEqual([h.stats().textBytes, h.stats().fileBytes, h.stats().heldBytes], [36, 1000, 1036]);
  // Two more turns push the first two out (maxTurns 4); the file stays.
  h.append('a', user('more'), assistant('sure'));
  assert.deepEqual([h.stats().textBytes, h.stats().fileBytes], [26, 1000]);
  h.append('b', user('x'));
  assert.equal(h.forget('a'), true);
  assert.deepEqual([h.stats().textBytes, h.stats().fileBytes, h.stats().conversations], [2, 0, 1]);
  assert.equal(h.forget('a'), false);
});

test('the per-conversation file bound leaves its note, and the note is counted as text', () => {
  const h = history({ maxAttachmentBytes: 1500 });
  h.append('a', withFile('first', 'old.png', 1000), assistant('ok'));
  h.append('a', withFile('second', 'new.png', 1000), assistant('ok'));
  assert.deepEqual(files(h, 'a'), ['new.png']);
  assert.match(texts(h, 'a')[0]!, /\[earlier files no longer kept: old\.png\]/);
  assert.deepEqual(h.stats().fileBytes, 1000);
  assert.deepEqual(h.stats().textBytes, recount(h, ['a']).textBytes);
});

test('over the budget, the least recently used conversations lose their files first, each leaving a note', () => {
  const h = history({ maxTotalBytes: 10_000 });
  h.append('a', withFile('pic a', 'a.png', 4000), assistant('ok'));
  h.append('b', withFile('pic b', 'b.png', 4000), assistant('ok'));
  h.get('a'); // a is now more recent than b
  h.append('c', withFile('pic c', 'c.png', 4000), assistant('ok'));
  assert.deepEqual([files(h, 'a'), files(h, 'b'), files(h, 'c')], [['a.png'], [], ['c.png']]);
  assert.match(texts(h, 'b')[0]!, /^pic b\n\[earlier files no longer kept: b\.png\]$/);
  assert.equal(h.stats().conversations, 3, 'no conversation was dropped: files were enough');
  assert.equal(h.stats().filesDropped, 1);
  assert.ok(h.stats().heldBytes <= 10_000, `${h.stats().heldBytes} held`);
});

test('within one conversation the oldest files go first, and only as many as needed', () => {
  const h = history({ maxTotalBytes: 10_000 });
  h.append('a', withFile('1', 'a1.png', 3000), assistant('ok'), withFile('2', 'a2.png', 3000), assistant('ok'));
  h.append('b', withFile('pic', 'b.png', 4500), assistant('ok'));
  assert.deepEqual(files(h, 'a'), ['a2.png']);
  assert.deepEqual(files(h, 'b'), ['b.png']);
});

test('when files are not enough, whole least recently used conversations go, never the current one', () => {
  const h = history({ maxTotalBytes: 1000 });
  for (const key of ['a', 'b', 'c', 'd']) h.append(key, user(key.repeat(100)), assistant(key.repeat(100)));
  // Each conversation holds 400 bytes of text: only two fit.
  assert.deepEqual(['a', 'b', 'c', 'd'].map((key) => h.has(key)), [false, false, true, true]);
  assert.equal(h.stats().conversationsDropped, 2);
  assert.equal(h.stats().heldBytes, 800);
});

test('last, the current conversation keeps its newest files within what is left', () => {
  const h = history({ maxTotalBytes: 5000 });
  h.append('a', withFile('1', 'one.png', 2000), assistant('ok'));
  h.append('a', withFile('2', 'two.png', 2000), assistant('ok'));
  h.append('a', withFile('3', 'three.png', 2000), assistant('ok'));
  assert.deepEqual(files(h, 'a'), ['two.png', 'three.png']);
  assert.match(texts(h, 'a').join('\n'), /no longer kept: one\.png/);
  assert.ok(h.stats().heldBytes <= 5000);
});

test('the running totals match a full recount after thousands of mixed operations', () => {
  const h = history({ maxTurns: 6, maxConversations: 40, maxAttachmentBytes: 5000, maxTotalBytes: 60_000 });
  let seed = 7;
  const random = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 16) % n;
  const keys = new Set<string>();
  for (let i = 0; i < 5000; i += 1) {
    const key = `k${random(60)}`;
    keys.add(key);
    const op = random(10);
    if (op === 0) h.forget(key);
    else if (op === 1) h.get(key);
    else if (op === 2) h.seed(key, [user('seeded'), assistant('x'.repeat(random(300)))]);
    else h.append(key, random(3) === 0 ? withFile(`t${i}`, `f${i}.png`, 500 + random(3000)) : user('y'.repeat(random(400))), assistant('ok'));
    assert.ok(h.stats().heldBytes <= 60_000, `over budget after op ${i}`);
  }
  const stats = h.stats();
  assert.deepEqual({ textBytes: stats.textBytes, fileBytes: stats.fileBytes }, recount(h, keys));
  assert.ok(stats.filesDropped > 0 && stats.conversationsEvicted > 0, 'the run exercised the budget and the count bound');
});
