// Shared by the fake-Bedrock tests: a real SDK client aimed at a fresh fake, torn down with the test.
import type { TestContext } from 'node:test';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { BedrockRuntimeClientConfig, ConverseStreamCommandOutput, ConverseStreamOutput, Message } from '@aws-sdk/client-bedrock-runtime';
import { startFakeBedrock } from './bedrock/index.js';
import type { FakeBedrock, FakeBedrockOptions } from './bedrock/index.js';

export const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const credentials = { accessKeyId: 'AKIDFAKEBEDROCK', secretAccessKey: 'fake-secret-key' };

export async function setup(
  t: TestContext,
  config: Partial<BedrockRuntimeClientConfig> = {},
  options: FakeBedrockOptions = {},
): Promise<{ fake: FakeBedrock; client: BedrockRuntimeClient }> {
  const fake = await startFakeBedrock(options);
  const client = new BedrockRuntimeClient({ endpoint: fake.url, region: 'us-east-1', credentials, maxAttempts: 3, ...config });
  t.after(async () => {
    client.destroy();
    await fake.close();
  });
  return { fake, client };
}

export const userSays = (text: string): Message[] => [{ role: 'user', content: [{ text }] }];

export interface Drained {
  events: ConverseStreamOutput[];
  text: string;
  error: unknown;
}

/** Reads a ConverseStream to its end, keeping what arrived before any error the iterator threw. */
export async function drain(response: ConverseStreamCommandOutput): Promise<Drained> {
  const events: ConverseStreamOutput[] = [];
  let error: unknown;
  try {
    for await (const event of response.stream ?? []) events.push(event);
  } catch (caught) {
    error = caught;
  }
  const text = events.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('');
  return { events, text, error };
}

export const kinds = (events: ConverseStreamOutput[]): string[] => events.flatMap((e) => Object.keys(e).filter((k) => k !== '$unknown'));
