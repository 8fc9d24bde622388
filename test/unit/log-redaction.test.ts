// Proves no token (loaded or merely token-shaped) survives into a log line, wherever it appears.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger, Redactor, requestContextFields } from '../../src/log/index.js';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { stream, lines };
}

const loaded = {
  slackBot: 'xoxb-1111-2222-abcdefABCDEF',
  slackApp: 'xapp-1-A0001-3333-deadbeef',
  discord: 'MTAwMDAwMDAwMDAwMDAwMDAx.GabcDE.abcdefghijklmnopqrstuvwxyz0123',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  custom: 'a-loaded-secret-without-any-shape',
};

test('loaded secrets and token shapes are redacted in messages, fields, nested objects and errors', async () => {
  const { stream, lines } = capture();
  const redactor = new Redactor();
  redactor.add(Object.values(loaded));
  const logger = createLogger({ level: 'debug', redactor, stream }).child({ component: 'test' });
  logger.info(`token in message ${loaded.slackBot}`);
  logger.warn('fields', { token: loaded.slackApp, nested: { deep: [loaded.discord] }, header: `Bearer ${loaded.custom}` });
  logger.error('error field', { error: new Error(`auth failed for ${loaded.awsSecret}`) });
  logger.debug('shapes never loaded', { a: 'xoxb-999-888-zzz', b: 'xapp-9-Z-1', c: 'AKIAABCDEFGHIJKLMNOP', d: 'xoxp-1-2-3' });
  logger.info('escaped in JSON', { value: `"${loaded.custom}"\n` });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 5);
  const all = lines.join('\n');
  for (const secret of [...Object.values(loaded), 'xoxb-999-888-zzz', 'xapp-9-Z-1', 'AKIAABCDEFGHIJKLMNOP', 'xoxp-1-2-3']) {
    assert.ok(!all.includes(secret), `leaked ${secret}`);
  }
  for (const line of lines) assert.match(line, /\[REDACTED\]/);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
});

test('each line is JSON with level, message, timestamp, bindings and the request context', async () => {
  const { stream, lines } = capture();
  const logger = createLogger({ level: 'info', redactor: new Redactor(), stream });
  logger.child(requestContextFields({ sessionId: 's-1', requestId: 'r-1' })).child({ platform: 'slack' }).info('hello', { n: 1 });
  logger.debug('hidden at info');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.equal(line.message, 'hello');
  assert.equal(line.platform, 'slack');
  assert.equal(line.session_id, 's-1');
  assert.equal(line.request_id, 'r-1');
  assert.equal(line.n, 1);
  assert.equal(typeof line.timestamp, 'string');
});
