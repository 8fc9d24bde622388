// Where the rotation controller keeps what must outlive one Lambda run: the current session, a
// rotation in progress (written ahead of every side effect, so a crashed run can be continued),
// old sessions still draining, and the last deploy request it answered. DynamoDB, because a
// conditional write is the compare-and-swap that keeps two overlapping runs from both starting a
// successor; SSM Parameter Store has no such thing (see docs/deploy.md).
//
// Two items in one table, partition key `pk`:
//   pk=state    version (N, +1 on every write, the fence) and state (S, JSON of RotationState)
//   pk=request  request (S, JSON of RotationRequest): written by `npm run deploy`, read-only to the
//               controller, so a deploy never bumps the version under a running rotation.
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What takeover gets back from handover: the Discord gateway session, or null. Opaque here. */
export interface HandoverPayload {
  readonly discord: Record<string, unknown> | null;
  readonly [key: string]: unknown;
}

/**
 * max_lifetime: the session nears AgentCore's limit; deploy: a request asked; recovery: the current
 * session says it is draining; unhealthy: its /ping says Unhealthy (a platform failed, or without its
 * connection past UNHEALTHY_AFTER_SECONDS).
 */
export type RotationReason = 'max_lifetime' | 'deploy' | 'recovery' | 'unhealthy';
export type RotationPhase = 'standby' | 'handover' | 'takeover';

export interface RotationInProgress {
  readonly id: string;
  readonly reason: RotationReason;
  readonly requestId?: string | undefined;
  /** A deploy's image version the successor must report. */
  readonly wantedImageVersion?: string | undefined;
  readonly from: string;
  readonly successor: string;
  readonly phase: RotationPhase;
  readonly startedAt: number;
  readonly handover?: HandoverPayload | undefined;
  /** Handover never answered: the successor identifies afresh and the old session is stopped at once. */
  readonly handoverFailed?: boolean | undefined;
  readonly attempts: number;
  readonly successorImageVersion?: string | undefined;
}

export interface DrainingSession {
  readonly sessionId: string;
  readonly handedOverAt: number;
  /** Stopped then even if it never says `drained`. */
  readonly stopBy: number;
}

export interface RotationRecord {
  readonly id: string;
  readonly reason: RotationReason;
  readonly from: string;
  readonly to: string;
  readonly startedAt: number;
  readonly completedAt: number;
  readonly discordHandover: 'handed_over' | 'none' | 'handover_failed';
}

export interface RequestOutcome {
  readonly id: string;
  readonly status: 'done' | 'failed';
  readonly at: number;
  readonly sessionId?: string | undefined;
  readonly imageVersion?: string | undefined;
  readonly error?: string | undefined;
}

/** Unhealthy rotations in a row that have not brought every platform up (yet). */
export interface UnhealthyBackoff {
  readonly attempts: number;
  readonly lastAttemptAt: number;
  /** No unhealthy rotation starts before this (a lifetime or deploy rotation still does). */
  readonly notBefore: number;
}

export interface RotationState {
  readonly current: { readonly sessionId: string; readonly since: number; readonly imageVersion?: string | undefined };
  readonly rotation?: RotationInProgress | undefined;
  readonly draining: readonly DrainingSession[];
  readonly lastRotation?: RotationRecord | undefined;
  readonly lastRequest?: RequestOutcome | undefined;
  readonly lastError?: { readonly at: number; readonly message: string } | undefined;
  readonly rotations: number;
  /** Set while unhealthy rotations have not helped; cleared by a keepalive with every platform up. */
  readonly unhealthy?: UnhealthyBackoff | undefined;
  /** The run allowed to act; others skip until it is released or expires. */
  readonly lease?: { readonly owner: string; readonly until: number } | undefined;
}

/** Written by `npm run deploy` (or `npm run rotate`): rotate now, onto this image version if given. */
export interface RotationRequest {
  readonly id: string;
  readonly requestedAt: number;
  readonly imageVersion?: string | undefined;
  readonly reason: string;
}

export interface Versioned {
  /** Undefined when nothing was ever written. */
  readonly state: RotationState | undefined;
  /** 0 when nothing was ever written. */
  readonly version: number;
}

export interface StateStore {
  load(): Promise<Versioned>;
  /** Writes only if the stored version is still `expected`; returns the new version. */
  save(state: RotationState, expected: number): Promise<number>;
  loadRequest(): Promise<RotationRequest | undefined>;
  saveRequest(request: RotationRequest): Promise<void>;
}

/** Someone else wrote the state since we read it: stop acting on what we read. */
export class StateConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateConflictError';
  }
}

export type TableClient = Pick<DynamoDBClient, 'send'>;

const STATE_KEY = { pk: { S: 'state' } } satisfies Record<string, AttributeValue>;
const REQUEST_KEY = { pk: { S: 'request' } } satisfies Record<string, AttributeValue>;

export class DynamoStateStore implements StateStore {
  constructor(private readonly client: TableClient, readonly tableName: string) {}

  async load(): Promise<Versioned> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: STATE_KEY, ConsistentRead: true }));
    if (Item === undefined) return { state: undefined, version: 0 };
    return { state: parseJson<RotationState>(Item.state?.S, 'state'), version: Number(Item.version?.N ?? '0') };
  }

  async save(state: RotationState, expected: number): Promise<number> {
    const version = expected + 1;
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: { ...STATE_KEY, version: { N: String(version) }, state: { S: JSON.stringify(state) } },
        ...(expected === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(expected) } } }),
      }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException')) {
        throw new StateConflictError(`the rotation state changed since version ${expected} was read`);
      }
      throw error;
    }
    return version;
  }

  async loadRequest(): Promise<RotationRequest | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: REQUEST_KEY, ConsistentRead: true }));
    return Item === undefined ? undefined : parseJson<RotationRequest>(Item.request?.S, 'request');
  }

  async saveRequest(request: RotationRequest): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { ...REQUEST_KEY, request: { S: JSON.stringify(request) } } }));
  }
}

function parseJson<T>(text: string | undefined, what: string): T {
  if (text === undefined) throw new Error(`the rotation table's ${what} item has no ${what} attribute`);
  return JSON.parse(text) as T;
}
