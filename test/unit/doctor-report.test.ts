// Proves the doctor's last guard and its verdict: every known secret and anything shaped like a
// token is masked in a printed line (by the bot's own redactor), and the exit code is 0 only with
// no ✗ (neutral lines do not count against the run).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fail, formatResult, pass, skip, summarize } from '../../scripts/lib/doctor/report.js';

test('a printed line masks the secrets it was given and any token-shaped text', () => {
  const line = formatResult(
    fail('discord bot token', 'Discord said a-loaded-secret-value is wrong; so is xoxb-1-2-abc and xapp-1-A0-xyz',
      'set DISCORD_BOT_TOKEN'),
    ['a-loaded-secret-value'],
  );
  assert.equal(line, '✗ discord bot token: Discord said [REDACTED] is wrong; so is [REDACTED] and [REDACTED] — fix: set DISCORD_BOT_TOKEN');
  // The prefixes alone, as the fixes spell them, stay readable.
  assert.equal(formatResult(pass('x', 'a Bot User OAuth Token (xoxb-…) and SLACK_APP_TOKEN (xapp-)'), []), '✓ x: a Bot User OAuth Token (xoxb-…) and SLACK_APP_TOKEN (xapp-)');
});

test('the run exits 0 only when nothing failed; neutral lines are counted apart', () => {
  assert.deepEqual(summarize([pass('a', ''), skip('b', '')]), { line: 'All 1 check passed (1 not configured or not checked).', exitCode: 0 });
  assert.equal(summarize([pass('a', ''), fail('b', '', 'fix'), skip('c', '')]).exitCode, 1);
  assert.equal(summarize([skip('a', '')]).exitCode, 0);
});
