// Proves long answers split at natural boundaries within the limit and never leave a code block open.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openFenceAt, splitAll, splitMessage } from '../../src/core/index.js';

test('text that fits is not split', () => {
  assert.equal(splitMessage('short', 10), null);
  assert.deepEqual(splitAll('short', 10), ['short']);
});

test('splits at a paragraph boundary when there is one', () => {
  const text = `${'a'.repeat(60)}\n\n${'b'.repeat(60)}`;
  const parts = splitAll(text, 100);
  assert.deepEqual(parts, ['a'.repeat(60), 'b'.repeat(60)]);
});

test('falls back to sentences, then words, then a hard cut', () => {
  const sentences = 'One sentence here. Another sentence follows! And a third one? Yes.';
  for (const part of splitAll(sentences, 30)) assert.ok(part.length <= 30, part);
  assert.equal(splitAll(sentences, 30).join(' '), sentences);
  const word = 'x'.repeat(95);
  const parts = splitAll(word, 40);
  assert.ok(parts.every((p) => p.length <= 40));
  assert.equal(parts.join(''), word);
});

test('a code block cut in two is closed and reopened with its language', () => {
  const code = Array.from({ length: 40 }, (_, i) => `line ${i} of code`).join('\n');
  const text = `Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`;
  const parts = splitAll(text, 200);
  assert.ok(parts.length > 2);
  for (const part of parts) {
    assert.ok(part.length <= 200, `part of ${part.length}`);
    assert.equal(openFenceAt(part, part.length), null, `unclosed fence in:\n${part}`);
  }
  assert.ok(parts.slice(1, -1).every((p) => p.startsWith('```ts\n')));
});

test('prefers ending before a code block to cutting through it', () => {
  const text = `${'Intro sentence. '.repeat(8)}\n\`\`\`\n${'code\n'.repeat(30)}\`\`\``;
  const first = splitMessage(text, 150);
  assert.ok(first !== null);
  assert.ok(!first.head.includes('```'), first.head);
});

test('never splits a surrogate pair', () => {
  const text = '😀'.repeat(50);
  for (const part of splitAll(text, 33)) assert.doesNotMatch(part, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
});
