import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './config-error.js';
import { secretTokenKeys, type SecretTokenKey } from './schema.js';

export type SecretTokens = Partial<Record<SecretTokenKey, string>>;

/**
 * Reads the platform tokens from one Secrets Manager secret whose SecretString is
 * JSON. Every failure becomes a ConfigError that says what to fix.
 */
export async function readSecretTokens(secretId: string, injected?: SecretsManagerClient): Promise<SecretTokens> {
  // Loaded only when a secret is configured: the client costs about 0.4 s of start-up.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = injected ?? new SecretsManagerClient({ maxAttempts: 3 });
  let secretString: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = output.SecretString;
  } catch (error) {
    throw new ConfigError([`BRIDGE_SECRET_ID: could not read secret "${secretId}": ${explainAwsError(error)}`]);
  } finally {
    client.destroy();
  }
  if (secretString === undefined) {
    throw new ConfigError([`BRIDGE_SECRET_ID: secret "${secretId}" has no SecretString; store the tokens as a JSON text secret`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new ConfigError([
      `BRIDGE_SECRET_ID: secret "${secretId}" is not valid JSON; expected {"SLACK_BOT_TOKEN": "...", "SLACK_APP_TOKEN": "...", "DISCORD_BOT_TOKEN": "..."}`,
    ]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`BRIDGE_SECRET_ID: secret "${secretId}" must be a JSON object of token names to values`]);
  }
  const tokens: SecretTokens = {};
  const problems: string[] = [];
  for (const key of secretTokenKeys) {
    const value = (parsed as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') problems.push(`BRIDGE_SECRET_ID: key ${key} in secret "${secretId}" must be a string`);
    else tokens[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return tokens;
}

function explainAwsError(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'ResourceNotFoundException':
      return 'it does not exist in this account and region (check the name or ARN and AWS_REGION)';
    case 'AccessDeniedException':
      return 'access denied; the role needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt for a customer key)';
    case 'DecryptionFailure':
      return 'it could not be decrypted; the role needs kms:Decrypt on the secret\'s key';
    case 'CredentialsProviderError':
      return 'no AWS credentials were found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role';
    default:
      if (/region is missing/i.test(message)) return 'no AWS region is set; set AWS_REGION';
      return `${name || 'error'}: ${message}`;
  }
}
