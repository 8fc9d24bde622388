// Discord: the bot token (GET /users/@me), the application's Message Content intent (the flags of
// GET /applications/@me: GATEWAY_MESSAGE_CONTENT 1<<18 for verified bots in 100+ guilds,
// GATEWAY_MESSAGE_CONTENT_LIMITED 1<<19 below that; without either the gateway closes with 4014),
// and what is left of the daily IDENTIFY budget (GET /gateway/bot's session_start_limit).
import { ApplicationFlags, DiscordAPIError, REST, Routes } from 'discord.js';
import type { APIApplication, APIUser, RESTGetAPIGatewayBotResult } from 'discord.js';
import type { DiscordConfig } from '../../../src/config/index.js';
import type { Origin } from './config.js';
import { describeError, fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

const MESSAGE_CONTENT = ApplicationFlags.GatewayMessageContent | ApplicationFlags.GatewayMessageContentLimited;
const PORTAL = 'Discord Developer Portal → your application → Bot';

export async function checkDiscord(config: DiscordConfig, origin: Origin): Promise<CheckResult[]> {
  const rest = new REST({ api: config.apiUrl, version: '10', retries: 0, timeout: 10_000 }).setToken(config.botToken);
  try {
    const token = await checkToken(rest, config.apiUrl, origin);
    if (token.status !== 'pass') {
      return [token, skip('discord message content intent', 'not checked: the token did not work'), skip('discord identify budget', 'not checked: the token did not work')];
    }
    return [token, ...(await Promise.all([checkIntent(rest, config.apiUrl), checkIdentifyBudget(rest, config.apiUrl)]))];
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

async function checkToken(rest: REST, apiUrl: string, origin: Origin): Promise<CheckResult> {
  const label = 'discord bot token';
  try {
    const user = (await rest.get(Routes.user())) as APIUser;
    return pass(label, `GET /users/@me ok: @${user.username} (${user.id})`);
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) {
      return fail(label, 'Discord refused it (401 Unauthorized)', `reset the token under ${PORTAL} and put it in DISCORD_BOT_TOKEN (${origin('DISCORD_BOT_TOKEN')})`);
    }
    return unreachable(label, '/users/@me', error, apiUrl);
  }
}

async function checkIntent(rest: REST, apiUrl: string): Promise<CheckResult> {
  const label = 'discord message content intent';
  try {
    const application = (await rest.get(Routes.currentApplication())) as APIApplication;
    const flags = application.flags ?? 0;
    if ((flags & MESSAGE_CONTENT) !== 0) {
      const which = (flags & ApplicationFlags.GatewayMessageContent) !== 0 ? 'GATEWAY_MESSAGE_CONTENT' : 'GATEWAY_MESSAGE_CONTENT_LIMITED';
      return pass(label, `enabled for ${application.name} (${which})`);
    }
    return fail(label, `Message Content Intent is off for ${application.name}: the gateway would close with 4014 (disallowed intents)`,
      `enable Privileged Gateway Intents → Message Content Intent under ${PORTAL} (a bot in 100 or more servers needs Discord's approval for it)`);
  } catch (error) {
    return unreachable(label, '/applications/@me', error, apiUrl);
  }
}

async function checkIdentifyBudget(rest: REST, apiUrl: string): Promise<CheckResult> {
  const label = 'discord identify budget';
  try {
    const { session_start_limit: limit } = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
    const reset = `resets in ${formatDuration(limit.reset_after)}`;
    if (limit.remaining === 0) {
      return fail(label, `0 of ${limit.total} session starts left today (${reset}): the bot cannot connect until then`,
        'find what restarted the bot in a loop (its logs), stop it, and wait for the reset; each start or failed resume uses one IDENTIFY');
    }
    const low = limit.remaining < limit.total / 10 ? '; low: something may be reconnecting in a loop' : '';
    return pass(label, `${limit.remaining} of ${limit.total} session starts left today (${reset})${low}`);
  } catch (error) {
    return unreachable(label, '/gateway/bot', error, apiUrl);
  }
}

function unreachable(label: string, route: string, error: unknown, apiUrl: string): CheckResult {
  if (error instanceof DiscordAPIError) {
    return fail(label, `GET ${route} failed: ${error.status} ${error.message}`, 'check DISCORD_BOT_TOKEN and the application in the Discord Developer Portal');
  }
  return fail(label, `could not reach Discord at ${apiUrl} (${describeError(error)})`, 'check the network path to discord.com, or DISCORD_API_URL');
}

function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
