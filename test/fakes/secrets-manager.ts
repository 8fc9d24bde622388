// A local Secrets Manager answering GetSecretValue over the AWS JSON 1.1 protocol, so the real
// SecretsManagerClient (via `endpoint` or AWS_ENDPOINT_URL_SECRETS_MANAGER) reads test secrets.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { startServer } from './agentcore/http.js';

export type FakeSecretValue = string | { binary: Uint8Array };

export interface FakeSecretsManagerOptions {
  /** Secret name to SecretString, or `{ binary }` for SecretBinary. */
  secrets: Record<string, FakeSecretValue>;
  /** Names whose reads get AccessDeniedException, as a missing IAM grant would. */
  deny?: string[];
  /** Region and account in the ARNs it returns; default us-east-1 / 123456789012. */
  region?: string;
  accountId?: string;
}

export interface RecordedSecretsRequest {
  /** The operation from `X-Amz-Target`, e.g. 'GetSecretValue'. */
  operation: string;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface FakeSecretsManager {
  readonly url: string;
  readonly requests: RecordedSecretsRequest[];
  /** Stops listening and destroys open sockets. */
  close(): Promise<void>;
}

const TARGET_PREFIX = 'secretsmanager.';

// Real ARNs end in '-' plus six random characters; derive them from the name to stay stable.
function arnSuffix(name: string): string {
  return createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6);
}

export async function startFakeSecretsManager(options: FakeSecretsManagerOptions): Promise<FakeSecretsManager> {
  const { secrets, deny = [], region = 'us-east-1', accountId = '123456789012' } = options;
  const requests: RecordedSecretsRequest[] = [];
  const createdDate = Math.floor(Date.now() / 1000);
  const versions = new Map(Object.keys(secrets).map((name) => [name, randomUUID()]));
  const arnOf = (name: string): string => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${arnSuffix(name)}`;

  // SecretId may be the name, the full ARN, or a partial ARN without the random suffix.
  const resolveName = (id: string): string | undefined => {
    if (Object.hasOwn(secrets, id)) return id;
    if (!id.startsWith('arn:')) return undefined;
    const tail = id.slice(id.indexOf(':secret:') + ':secret:'.length);
    return Object.keys(secrets).find((name) => tail === name || tail === `${name}-${arnSuffix(name)}`);
  };

  const getSecretValue = (body: unknown): [number, object] => {
    const id = typeof body === 'object' && body !== null && 'SecretId' in body ? body.SecretId : undefined;
    if (typeof id !== 'string' || id === '') {
      return [400, { __type: 'ValidationException', message: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null" }];
    }
    const name = resolveName(id);
    const denied = deny.includes(name ?? id);
    if (denied) {
      return [400, {
        __type: 'AccessDeniedException',
        message: `User: arn:aws:sts::${accountId}:assumed-role/test/fake is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      }];
    }
    const value = name === undefined ? undefined : secrets[name];
    if (name === undefined || value === undefined) {
      return [400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }];
    }
    const payload = typeof value === 'string' ? { SecretString: value } : { SecretBinary: Buffer.from(value.binary).toString('base64') };
    return [200, {
      ARN: arnOf(name),
      Name: name,
      ...payload,
      VersionId: versions.get(name),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: createdDate,
    }];
  };

  const server = await startServer((req, res, raw) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8') || '{}');
    } catch {
      body = undefined;
    }
    requests.push({ operation, body, headers: req.headers });
    const [status, payload] =
      req.method === 'POST' && operation === 'GetSecretValue'
        ? getSecretValue(body)
        : [400, { __type: 'UnknownOperationException', message: `Unknown operation ${target || '(no X-Amz-Target)'}.` }];
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(payload));
  });

  return { url: server.url, requests, close: () => server.close() };
}
