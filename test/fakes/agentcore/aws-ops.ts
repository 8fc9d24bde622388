// The other AWS services `npm run deploy` touches, on one fake server: S3 PutObject (the source
// zip, checked to be a readable zip), CodeBuild StartBuild/BatchGetBuilds (awsJson 1.1), ECR
// GetAuthorizationToken, Lambda Get/UpdateFunctionConfiguration and Invoke (REST-JSON; Invoke
// runs a hook the test supplies, as Lambda runs the handler), and DynamoDB GetItem/PutItem
// (awsJson 1.0) with the condition expressions the rotation state uses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { parseJson, sendError, sendJson } from './http.js';
import { record } from './state.js';
import type { AgentCoreState } from './state.js';

export interface OpsState {
  readonly uploads: Map<string, { readonly bytes: number; readonly files: string[] }>;
  readonly builds: Map<string, { status: string; polls: number; readonly environment: Record<string, string> }>;
  readonly functions: Map<string, { environment: Record<string, string>; lastUpdateStatus: string; polls: number }>;
  /** Set to make the next build end in this status (FAILED, FAULT, ...). */
  nextBuildStatus: string;
  /** DynamoDB tables by name: items by their `pk` string. */
  readonly tables: Map<string, Map<string, Record<string, unknown>>>;
  /** What Lambda Invoke runs; without it, Invoke answers ResourceNotFoundException. */
  invoke?: (request: LambdaInvoke) => Promise<unknown>;
}

export interface LambdaInvoke {
  readonly functionName: string;
  readonly invocationType: 'Event' | 'RequestResponse' | 'DryRun';
  readonly payload: unknown;
}

/** Thrown by an `invoke` hook to answer as Lambda does when the function is at its concurrency limit. */
export class TooManyRequestsError extends Error {
  constructor() {
    super('Rate Exceeded.');
    this.name = 'TooManyRequestsException';
  }
}

export function newOpsState(functionName: string, environment: Record<string, string>): OpsState {
  return {
    uploads: new Map(),
    builds: new Map(),
    functions: new Map([[functionName, { environment, lastUpdateStatus: 'Successful', polls: 0 }]]),
    nextBuildStatus: 'SUCCEEDED',
    tables: new Map(),
  };
}

export function opsHandler(state: AgentCoreState, ops: OpsState) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const target = req.headers['x-amz-target'];
    const url = new URL(req.url ?? '/', 'http://fake');
    if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) return dynamo(state, ops, res, target.split('.')[1] ?? '', parseJson(body));
    if (typeof target === 'string') return jsonTarget(state, ops, res, target, parseJson(body));
    if (url.pathname.startsWith('/2015-03-31/functions/') && url.pathname.endsWith('/invocations')) return invokeFunction(state, ops, req, res, url, body);
    if (url.pathname.startsWith('/2015-03-31/functions/')) return lambda(state, ops, req, res, url, parseJson(body));
    if (req.method === 'PUT') return putObject(state, ops, res, url, body);
    sendError(res, 404, 'UnknownOperationException', `${req.method} ${url.pathname}`);
  };
}

function jsonTarget(state: AgentCoreState, ops: OpsState, res: ServerResponse, target: string, request: Record<string, unknown>): void {
  const operation = target.split('.').pop() ?? '';
  if (target.startsWith('AmazonEC2ContainerRegistry')) {
    record(state, { service: 'ecr', operation, request });
    const token = Buffer.from('AWS:fake-ecr-password').toString('base64');
    return sendJson(res, 200, { authorizationData: [{ authorizationToken: token, proxyEndpoint: `https://${state.account}.dkr.ecr.${state.region}.amazonaws.com` }] });
  }
  record(state, { service: 'codebuild', operation, request });
  if (operation === 'StartBuild') {
    const id = `${String(request.projectName)}:${ops.builds.size + 1}`;
    const overrides = (request.environmentVariablesOverride ?? []) as { name: string; value: string }[];
    ops.builds.set(id, { status: 'IN_PROGRESS', polls: 0, environment: Object.fromEntries(overrides.map((v) => [v.name, v.value])) });
    return sendJson(res, 200, { build: { id, buildStatus: 'IN_PROGRESS' } });
  }
  if (operation === 'BatchGetBuilds') {
    const builds = ((request.ids ?? []) as string[]).flatMap((id) => {
      const build = ops.builds.get(id);
      if (build === undefined) return [];
      // Two polls in progress, then the outcome: the caller must really wait.
      if (build.status === 'IN_PROGRESS' && ++build.polls >= 2) build.status = ops.nextBuildStatus;
      return [{ id, buildStatus: build.status, logs: { deepLink: `https://console.aws.amazon.com/codebuild/logs/${id}` } }];
    });
    return sendJson(res, 200, { builds, buildsNotFound: [] });
  }
  sendError(res, 400, 'InvalidInputException', `unsupported ${target}`);
}

function lambda(state: AgentCoreState, ops: OpsState, req: IncomingMessage, res: ServerResponse, url: URL, request: Record<string, unknown>): void {
  const name = decodeURIComponent(url.pathname.split('/')[3] ?? '');
  const fn = ops.functions.get(name);
  const operation = req.method === 'PUT' ? 'UpdateFunctionConfiguration' : 'GetFunctionConfiguration';
  record(state, { service: 'lambda', operation, request: { FunctionName: name, ...request } });
  if (fn === undefined) return sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
  if (req.method === 'PUT') {
    const environment = (request.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
    if (environment !== undefined) fn.environment = environment;
    fn.lastUpdateStatus = 'InProgress';
    fn.polls = 0;
  } else if (fn.lastUpdateStatus === 'InProgress' && ++fn.polls >= 1) {
    fn.lastUpdateStatus = 'Successful';
  }
  sendJson(res, 200, {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:${state.region}:${state.account}:function:${name}`,
    Environment: { Variables: fn.environment },
    LastUpdateStatus: fn.lastUpdateStatus,
    State: 'Active',
  });
}

async function invokeFunction(state: AgentCoreState, ops: OpsState, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
  const functionName = decodeURIComponent(url.pathname.split('/')[3] ?? '');
  const header = req.headers['x-amz-invocation-type'];
  const invocationType = header === 'Event' || header === 'DryRun' ? header : 'RequestResponse';
  const payload: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  record(state, { service: 'lambda', operation: 'Invoke', request: { FunctionName: functionName, InvocationType: invocationType, payload } });
  if (!ops.functions.has(functionName) || ops.invoke === undefined) {
    return sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
  }
  if (invocationType === 'DryRun') return void res.writeHead(204).end();
  const run = ops.invoke({ functionName, invocationType, payload });
  if (invocationType === 'Event') {
    run.catch(() => undefined); // an asynchronous invocation's failure shows in the function's logs only
    return void res.writeHead(202, { 'content-length': '0' }).end();
  }
  try {
    sendJson(res, 200, (await run) ?? null, { 'x-amz-executed-version': '$LATEST' });
  } catch (error) {
    if (error instanceof TooManyRequestsError) return sendError(res, 429, 'TooManyRequestsException', error.message);
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    sendJson(res, 200, { errorType: name, errorMessage: message }, { 'x-amz-function-error': 'Unhandled' });
  }
}

const DYNAMO_ERROR = 'com.amazonaws.dynamodb.v20120810#';

function dynamo(state: AgentCoreState, ops: OpsState, res: ServerResponse, operation: string, request: Record<string, unknown>): void {
  record(state, { service: 'dynamodb', operation, request });
  const table = ops.tables.get(String(request.TableName));
  if (table === undefined) return sendError(res, 400, `${DYNAMO_ERROR}ResourceNotFoundException`, `Requested resource not found: Table: ${String(request.TableName)} not found`);
  if (operation === 'GetItem') {
    const key = keyOf(request.Key);
    const item = key === undefined ? undefined : table.get(key);
    return sendJson(res, 200, item === undefined ? {} : { Item: structuredClone(item) }, { 'content-type': 'application/x-amz-json-1.0' });
  }
  if (operation === 'PutItem') {
    const item = request.Item as Record<string, unknown> | undefined;
    const key = keyOf(item);
    if (item === undefined || key === undefined) return sendError(res, 400, `${DYNAMO_ERROR}ValidationException`, 'One of the required keys was not given a value');
    const condition = typeof request.ConditionExpression === 'string' ? request.ConditionExpression : undefined;
    if (condition !== undefined && !conditionHolds(condition, table.get(key), request)) {
      return sendError(res, 400, `${DYNAMO_ERROR}ConditionalCheckFailedException`, 'The conditional request failed');
    }
    table.set(key, structuredClone(item));
    return sendJson(res, 200, {}, { 'content-type': 'application/x-amz-json-1.0' });
  }
  sendError(res, 400, `${DYNAMO_ERROR}UnknownOperationException`, `unsupported ${operation}`);
}

function keyOf(key: unknown): string | undefined {
  const pk = (key as { pk?: { S?: unknown } } | undefined)?.pk?.S;
  return typeof pk === 'string' ? pk : undefined;
}

/** `a OR b`, `a AND b` (no parentheses) of `attribute_exists(x)`, `attribute_not_exists(x)` and `x = :v`. */
export function conditionHolds(expression: string, item: Record<string, unknown> | undefined, request: Record<string, unknown>): boolean {
  const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (request.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const name = (raw: string): string => names[raw.trim()] ?? raw.trim();
  const term = (text: string): boolean => {
    const t = text.trim();
    const fn = /^attribute_(not_)?exists\(\s*([#\w]+)\s*\)$/.exec(t);
    if (fn !== null) return (item?.[name(fn[2]!)] !== undefined) !== (fn[1] !== undefined);
    const eq = /^([#\w]+)\s*=\s*(:\w+)$/.exec(t);
    if (eq !== null) return item !== undefined && JSON.stringify(item[name(eq[1]!)]) === JSON.stringify(values[eq[2]!]);
    throw new Error(`fake DynamoDB: unsupported condition "${t}"`);
  };
  return expression.split(/\s+OR\s+/i).some((part) => part.split(/\s+AND\s+/i).every(term));
}

function putObject(state: AgentCoreState, ops: OpsState, res: ServerResponse, url: URL, body: Buffer): void {
  const key = decodeURIComponent(url.pathname.slice(1));
  let files: string[];
  try {
    files = listZip(body);
  } catch (error) {
    return sendError(res, 400, 'InvalidArgument', `not a readable zip: ${String(error)}`);
  }
  record(state, { service: 's3', operation: 'PutObject', request: { key, bytes: body.length } });
  ops.uploads.set(key, { bytes: body.length, files });
  res.writeHead(200, { etag: '"fake"' });
  res.end();
}

/** Reads every local file entry, inflating it, so a malformed archive fails here and not in CodeBuild. */
export function listZip(zip: Buffer): string[] {
  const names: string[] = [];
  let offset = 0;
  while (zip.readUInt32LE(offset) === 0x04034b50) {
    const method = zip.readUInt16LE(offset + 8);
    const compressed = zip.readUInt32LE(offset + 18);
    const size = zip.readUInt32LE(offset + 22);
    const nameLength = zip.readUInt16LE(offset + 26);
    const extraLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 30, offset + 30 + nameLength);
    const start = offset + 30 + nameLength + extraLength;
    const data = zip.subarray(start, start + compressed);
    const content = method === 8 ? inflateRawSync(data) : data;
    if (content.length !== size) throw new Error(`${name}: size ${content.length} != ${size}`);
    names.push(name);
    offset = start + compressed;
  }
  if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('no central directory after the entries');
  return names;
}
