// Proves model Markdown renders as Slack mrkdwn: emphasis, links, lists, headings, code kept verbatim.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownToMrkdwn } from '../../src/platforms/slack/markdown-to-mrkdwn.js';

test('bold, italic, strikethrough and links', () => {
  assert.equal(markdownToMrkdwn('**bold** and *it* and __b2__ and ~~gone~~'), '*bold* and _it_ and *b2* and ~gone~');
  assert.equal(markdownToMrkdwn('see [the docs](https://example.com/a?b=1&c=2)'), 'see <https://example.com/a?b=1&amp;c=2|the docs>');
  assert.equal(markdownToMrkdwn('***both***'), '*_both_*');
});

test('headings, bullet and nested lists, numbered lists and rules', () => {
  assert.equal(markdownToMrkdwn('## Plan **now**'), '*Plan now*');
  assert.equal(markdownToMrkdwn('- one\n- two\n  - nested\n1. first'), '• one\n• two\n    ◦ nested\n1. first');
  assert.equal(markdownToMrkdwn('---'), '──────────');
});

test('code blocks and inline code are left alone, language hints dropped', () => {
  const input = 'Run:\n```bash\necho **not bold** <x>\n```\nthen `a **b**`';
  assert.equal(markdownToMrkdwn(input), 'Run:\n```\necho **not bold** <x>\n```\nthen `a **b**`');
});

test('Slack control characters in text (and link URLs, as Slack stores them) are escaped', () => {
  assert.equal(markdownToMrkdwn('a < b && c > d'), 'a &lt; b &amp;&amp; c &gt; d');
});

test('tables become aligned code blocks', () => {
  assert.equal(markdownToMrkdwn('| a | b |\n|---|---|\n| 1 | 2 |'), '```\n| a | b |\n| 1 | 2 |\n```');
});
