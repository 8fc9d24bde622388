// The OAuth scopes the fake grants. Slack reports a token's granted scopes in the `x-oauth-scopes`
// header of every Web API response to an authenticated call (@slack/web-api reads it into
// response_metadata.scopes: node_modules/@slack/web-api/dist/WebClient.js). By default the bot
// token holds exactly what slack-app-manifest.yaml asks for, as after installing from it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const MANIFEST_FILE = fileURLToPath(new URL('../../../slack-app-manifest.yaml', import.meta.url));

/** An app-level token for Socket Mode has this one scope. */
export const APP_TOKEN_SCOPES: readonly string[] = ['connections:write'];

/** `oauth_config.scopes.bot` of the manifest. */
export function manifestBotScopes(file = MANIFEST_FILE): string[] {
  const manifest = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const scopes = manifest.oauth_config?.scopes?.bot;
  return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
}
