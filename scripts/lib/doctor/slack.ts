// Slack: the bot token (auth.test, and the scopes Slack reports it holds in `x-oauth-scopes`
// against those slack-app-manifest.yaml asks for) and the app-level token (apps.connections.open,
// the call Socket Mode starts with). The Web API client the bot uses, with no retries.
import { readFileSync } from 'node:fs';
import { LogLevel, webApi } from '@slack/bolt';
import type { Logger } from '@slack/bolt';
import { parse } from 'yaml';
import type { SlackConfig } from '../../../src/config/index.js';
import type { Origin } from './config.js';
import { describeError, fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

const REFUSED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

export async function checkSlack(config: SlackConfig, manifestFile: string, origin: Origin): Promise<CheckResult[]> {
  const [bot, app] = await Promise.all([checkBotToken(config, manifestFile, origin), checkAppToken(config, origin)]);
  return [...bot, app];
}

async function checkBotToken(config: SlackConfig, manifestFile: string, origin: Origin): Promise<CheckResult[]> {
  const label = 'slack bot token';
  let answer: webApi.AuthTestResponse;
  try {
    answer = await client(config.botToken, config.apiUrl).auth.test();
  } catch (error) {
    return [tokenFailure(label, 'auth.test', error, 'SLACK_BOT_TOKEN', origin, config.apiUrl,
      'copy the Bot User OAuth Token (xoxb-…) from the app\'s OAuth & Permissions page'),
    skip('slack bot scopes', 'not checked: the bot token did not work')];
  }
  const who = `workspace ${answer.team ?? '?'} (${answer.team_id ?? '?'}), bot user @${answer.user ?? '?'} (${answer.user_id ?? '?'})`;
  return [pass(label, `auth.test ok: ${who}`), scopeResult(answer.response_metadata?.scopes, manifestFile)];
}

function scopeResult(granted: readonly string[] | undefined, manifestFile: string): CheckResult {
  const label = 'slack bot scopes';
  let wanted: string[];
  try {
    wanted = manifestBotScopes(manifestFile);
  } catch (error) {
    return fail(label, `could not read the scopes from ${manifestFile} (${describeError(error)})`, 'restore slack-app-manifest.yaml from the repository');
  }
  if (granted === undefined) {
    return fail(label, 'Slack sent no x-oauth-scopes header with auth.test, so the scopes could not be compared', 'check that SLACK_API_URL points at the Slack Web API');
  }
  const missing = wanted.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return pass(label, `all ${wanted.length} scopes slack-app-manifest.yaml asks for are granted`);
  return fail(label, `the bot token lacks ${missing.join(', ')} (asked for in slack-app-manifest.yaml)`,
    'add them under OAuth & Permissions → Bot Token Scopes (or update the app from slack-app-manifest.yaml), then reinstall the app to the workspace so SLACK_BOT_TOKEN carries them');
}

async function checkAppToken(config: SlackConfig, origin: Origin): Promise<CheckResult> {
  const label = 'slack app token';
  try {
    await client(config.appToken, config.apiUrl).apps.connections.open();
  } catch (error) {
    return tokenFailure(label, 'apps.connections.open', error, 'SLACK_APP_TOKEN', origin, config.apiUrl,
      'generate an App-Level Token with the connections:write scope under Basic Information → App-Level Tokens (and enable Socket Mode)');
  }
  // The URL it returns carries a connection ticket: not printed.
  return pass(label, 'apps.connections.open ok: Socket Mode would connect');
}

function tokenFailure(label: string, method: string, error: unknown, variable: string, origin: Origin, apiUrl: string, howToGet: string): CheckResult {
  const code = (error as { code?: unknown }).code;
  if (code === webApi.ErrorCode.PlatformError) {
    const slackError = (error as webApi.WebAPIPlatformError).data.error;
    if (REFUSED.has(slackError)) return fail(label, `Slack refused it (${method}: ${slackError})`, `${howToGet} and put it in ${variable} (${origin(variable)})`);
    if (slackError === 'missing_scope') return fail(label, `${method}: missing_scope`, `${variable} needs the connections:write scope: ${howToGet}`);
    return fail(label, `${method} failed: ${slackError}`, `check ${variable} (${origin(variable)}) and the app's settings at api.slack.com/apps`);
  }
  if (code === webApi.ErrorCode.RateLimitedError) {
    const after = (error as webApi.WebAPIRateLimitedError).retryAfter;
    return fail(label, `Slack rate-limited ${method} (retry after ${after} s)`, 'wait a minute and run npm run doctor again');
  }
  const cause = code === webApi.ErrorCode.RequestError ? (error as webApi.WebAPIRequestError).original : error;
  return fail(label, `could not reach Slack at ${apiUrl} (${describeError(cause)})`, 'check the network path to slack.com, or SLACK_API_URL');
}

function client(token: string, apiUrl: string): webApi.WebClient {
  return new webApi.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, logger: QUIET });
}

/** `oauth_config.scopes.bot` of the Slack app manifest. */
export function manifestBotScopes(file: string): string[] {
  const manifest = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
  const scopes = manifest?.oauth_config?.scopes?.bot;
  if (!Array.isArray(scopes)) throw new Error('it has no oauth_config.scopes.bot list');
  return scopes.filter((s): s is string => typeof s === 'string');
}

// The client's own log lines would repeat, unmasked, what the checks already say.
const QUIET: Logger = {
  debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined,
  setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined,
};
