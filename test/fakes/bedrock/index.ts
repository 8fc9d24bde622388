// A local Bedrock Runtime speaking the real wire (h2c and HTTP/1.1 on one port, restJson1
// errors, AWS event-stream frames), so the real BedrockRuntimeClient can be pointed at it unchanged.
import { FakeBedrockServer } from './fake-bedrock.js';
import type { FakeBedrock, FakeBedrockOptions } from './types.js';

export { defaultResponder, FakeBedrockError } from './reply.js';
export type * from './types.js';

/**
 * Starts the fake on 127.0.0.1 with an OS-chosen port. Answers `POST /model/{id}/converse` and
 * `/converse-stream` with the deterministic default responder unless `options.respond` is given.
 */
export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  return new FakeBedrockServer(options).listen();
}
