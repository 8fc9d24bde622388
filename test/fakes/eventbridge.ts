// A local EventBridge answering DescribeRule over the AWS JSON 1.1 protocol (X-Amz-Target
// `AWSEvents.DescribeRule`), so the real EventBridgeClient (via AWS_ENDPOINT_URL_EVENTBRIDGE)
// reads a keepalive schedule's state.
import { randomUUID } from 'node:crypto';
import { startServer } from './agentcore/http.js';

export interface FakeRule {
  /** ENABLED or DISABLED, as `aws events disable-rule` leaves it. */
  state: 'ENABLED' | 'DISABLED';
  scheduleExpression: string;
}

export interface FakeEventBridge {
  readonly url: string;
  /** Rules by name; change one's state while running to model `enable-rule` / `disable-rule`. */
  readonly rules: Map<string, FakeRule>;
  /** Operations in arrival order, e.g. 'DescribeRule'. */
  readonly operations: string[];
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSEvents.';

export async function startFakeEventBridge(rules: Record<string, FakeRule>, region = 'us-east-1', accountId = '123456789012'): Promise<FakeEventBridge> {
  const byName = new Map(Object.entries(rules));
  const operations: string[] = [];
  const describeRule = (body: Record<string, unknown>): [number, object] => {
    const name = body.Name;
    if (typeof name !== 'string' || name === '') return [400, { __type: 'ValidationException', message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" }];
    const rule = byName.get(name);
    if (rule === undefined) return [400, { __type: 'ResourceNotFoundException', message: `Rule ${name} does not exist on EventBus default.` }];
    return [200, {
      Name: name,
      Arn: `arn:aws:events:${region}:${accountId}:rule/${name}`,
      ScheduleExpression: rule.scheduleExpression,
      State: rule.state,
      EventBusName: 'default',
      CreatedBy: accountId,
    }];
  };
  const server = await startServer((req, res, raw) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    operations.push(operation);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8') || '{}');
    } catch {
      body = undefined;
    }
    const [status, payload] = operation === 'DescribeRule' && typeof body === 'object' && body !== null
      ? describeRule(body as Record<string, unknown>)
      : [400, { __type: 'UnknownOperationException', message: `Unknown operation ${target || '(no X-Amz-Target)'}.` }];
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(payload));
  });
  return { url: server.url, rules: byName, operations, close: () => server.close() };
}
