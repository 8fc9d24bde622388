// Bridge overhead under light load: closed loops, one per conversation, each sending a mention,
// waiting for the answer to be complete, pausing a little, and sending the next.
import type { Rig } from './rig.js';
import { sleep } from './stats.js';
import type { Platform, Sample } from './tracker.js';

export interface LoopOptions {
  /** Concurrent conversations (one closed loop each). */
  readonly loops: number;
  readonly samplesPerLoop: number;
  /** A conversation gets this many messages, then the loop starts a new one (new thread / channel). */
  readonly turnsPerConversation: number;
  /** Pause after each answer, uniform in [min, max] ms. */
  readonly thinkMs: readonly [number, number];
}

export interface LoopResult {
  readonly samples: Sample[];
  readonly failures: number;
  readonly elapsedMs: number;
}

export async function closedLoops(rig: Rig, platform: Platform, options: LoopOptions): Promise<LoopResult> {
  const samples: Sample[] = [];
  let failures = 0;
  const started = performance.now();
  const [min, max] = options.thinkMs;
  const loop = async (): Promise<void> => {
    // Staggered starts: loops that all began at once would measure a burst, not concurrency.
    if (options.loops > 1) await sleep(Math.random() * max);
    let conversation = rig.newConversation(platform);
    for (let i = 0; i < options.samplesPerLoop && rig.running; i += 1) {
      if (i > 0 && i % options.turnsPerConversation === 0) conversation = rig.newConversation(platform);
      try {
        samples.push(await rig.send(conversation));
      } catch {
        failures += 1;
        // An unanswered message may still be answered later; never reuse its conversation.
        conversation = rig.newConversation(platform);
      }
      await sleep(min + Math.random() * (max - min));
    }
  };
  await Promise.all(Array.from({ length: options.loops }, loop));
  return { samples, failures, elapsedMs: performance.now() - started };
}

/** Milliseconds between two stamps of each sample that has both. */
export function spans(samples: readonly Sample[], from: keyof Sample, to: keyof Sample): number[] {
  const out: number[] = [];
  for (const sample of samples) {
    const a = sample[from];
    const b = sample[to];
    if (typeof a === 'number' && typeof b === 'number') out.push(b - a);
  }
  return out;
}
