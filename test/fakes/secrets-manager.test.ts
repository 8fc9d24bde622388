// Proves the fake Secrets Manager answers the real SecretsManagerClient as the service does.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startFakeSecretsManager } from './secrets-manager.js';
import type { FakeSecretsManager } from './secrets-manager.js';

const credentials = { accessKeyId: 'AKIDFAKESECRETS', secretAccessKey: 'fake-secret-key' };
const tokens = { SLACK_BOT_TOKEN: 'xoxb-fake', DISCORD_TOKEN: 'fake.discord.token' };

async function setup(t: TestContext): Promise<{ fake: FakeSecretsManager; client: SecretsManagerClient }> {
  const fake = await startFakeSecretsManager({
    secrets: { 'bridge/tokens': JSON.stringify(tokens), 'bridge/key': { binary: Uint8Array.from([1, 2, 255]) }, 'bridge/locked': 'x' },
    deny: ['bridge/locked'],
  });
  const client = new SecretsManagerClient({ endpoint: fake.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  t.after(async () => {
    client.destroy();
    await fake.close();
  });
  return { fake, client };
}

void test('a JSON SecretString is read by name, then again by the ARN it came back with', async (t) => {
  const { fake, client } = await setup(t);
  const out = await client.send(new GetSecretValueCommand({ SecretId: 'bridge/tokens' }));
  assert.deepEqual(JSON.parse(out.SecretString ?? ''), tokens);
  assert.equal(out.Name, 'bridge/tokens');
  assert.match(out.ARN ?? '', /^arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge\/tokens-[A-Za-z0-9]{6}$/);
  assert.deepEqual(out.VersionStages, ['AWSCURRENT']);
  assert.ok(out.CreatedDate instanceof Date && !Number.isNaN(out.CreatedDate.getTime()));
  const again = await client.send(new GetSecretValueCommand({ SecretId: out.ARN }));
  assert.equal(again.SecretString, out.SecretString);
  assert.deepEqual(fake.requests.map((r) => r.operation), ['GetSecretValue', 'GetSecretValue']);
  assert.equal(fake.requests[0]?.headers['content-type'], 'application/x-amz-json-1.1');
  assert.deepEqual(fake.requests[0]?.body, { SecretId: 'bridge/tokens' });
});

void test('a binary secret arrives as SecretBinary bytes', async (t) => {
  const { client } = await setup(t);
  const out = await client.send(new GetSecretValueCommand({ SecretId: 'bridge/key' }));
  assert.deepEqual([...(out.SecretBinary ?? [])], [1, 2, 255]);
  assert.equal(out.SecretString, undefined);
});

void test('a missing secret is ResourceNotFoundException', async (t) => {
  const { client } = await setup(t);
  await assert.rejects(
    client.send(new GetSecretValueCommand({ SecretId: 'bridge/nope' })),
    (error: unknown) => error instanceof ResourceNotFoundException && error.message === "Secrets Manager can't find the specified secret.",
  );
});

void test('a denied secret is AccessDeniedException', async (t) => {
  const { client } = await setup(t);
  await assert.rejects(client.send(new GetSecretValueCommand({ SecretId: 'bridge/locked' })), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'AccessDeniedException');
    assert.match(error.message, /not authorized to perform: secretsmanager:GetSecretValue/);
    return true;
  });
});

void test('an unknown X-Amz-Target is UnknownOperationException', async (t) => {
  const { fake } = await setup(t);
  const response = await fetch(fake.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteSecret' },
    body: '{}',
  });
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { __type?: string }).__type, 'UnknownOperationException');
});

void test('AWS_ENDPOINT_URL_SECRETS_MANAGER alone points a client with no endpoint at the fake', async (t) => {
  const { fake } = await setup(t);
  const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = fake.url;
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
  t.after(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    client.destroy();
  });
  const out = await client.send(new GetSecretValueCommand({ SecretId: 'bridge/tokens' }));
  assert.equal(out.Name, 'bridge/tokens');
  assert.equal(fake.requests.length, 1);
});
