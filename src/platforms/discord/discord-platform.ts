import { ChannelType, Client, Events, GatewayIntentBits, Options, Partials, type Message } from 'discord.js';
import type { DiscordConfig } from '../../config/index.js';
import { PlatformConnection, type Bridge, type ChatPlatform, type ConversationTurn, type InboundMessage, type ReplySink } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { fatalCloseReason, loginFailureReason } from './discord-connection.js';
import { discordChannelOf, routeDiscordMessage, type DiscordMessageView } from './discord-events.js';
import { loadDiscordTurns } from './discord-history.js';
import { createDiscordReply } from './discord-reply.js';

export interface DiscordPlatformOptions {
  readonly config: DiscordConfig;
  readonly bridge: Bridge;
  readonly logger: Logger;
}

/**
 * Discord over the gateway with discord.js, which owns heartbeats, RESUME and
 * re-identify; we map its shard events to our connection state.
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord';
  readonly connection = new PlatformConnection('discord', 'disconnected');
  readonly #logger: Logger;
  readonly #client: Client;
  #intake = true;

  constructor(private readonly options: DiscordPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'discord' });
    this.#client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
      // Without the Channel partial, DMs in channels the client has not cached are dropped silently.
      partials: [Partials.Channel],
      rest: { api: options.config.apiUrl },
      // Weeks of uptime: keep caches small; we never need old messages from memory.
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20, PresenceManager: 0, ReactionManager: 0, GuildMemberManager: 200 }),
      sweepers: { ...Options.DefaultSweeperSettings, messages: { interval: 600, lifetime: 1800 } },
      allowedMentions: { parse: [], repliedUser: false },
    });
    this.#attach();
  }

  async start(): Promise<void> {
    this.connection.transition('connecting', 'login');
    try {
      await this.#client.login(this.options.config.botToken);
    } catch (error) {
      const reason = loginFailureReason(error);
      this.#logger.error(`${reason}; Discord stays off until the bot restarts`, { error });
      this.connection.transition('failed', reason, error);
    }
  }

  stopIntake(): Promise<void> {
    this.#intake = false;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#intake = false;
    await this.#client.destroy();
    this.connection.transition('disconnected', 'stopped');
  }

  openReply(message: InboundMessage): ReplySink {
    return createDiscordReply(this.#client.rest, discordChannelOf(message), message.messageId, this.#logger);
  }

  async loadEarlierTurns(message: InboundMessage): Promise<ConversationTurn[]> {
    const channelId = discordChannelOf(message);
    const channel = this.#client.channels.cache.get(channelId);
    const isDm = channel === undefined || channel.type === ChannelType.DM;
    return loadDiscordTurns(this.#client.rest, channelId, message.messageId, this.#botUserId(), isDm);
  }

  #attach(): void {
    const client = this.#client;
    client.on(Events.ShardReady, () => this.connection.transition('connected', 'ready (identified)'));
    client.on(Events.ShardResume, (_id, replayed) => this.connection.transition('connected', `resumed, ${replayed} events replayed`));
    client.on(Events.ShardReconnecting, () => this.connection.transition('connecting', 'gateway reconnecting'));
    client.on(Events.ShardDisconnect, (event) => {
      const reason = fatalCloseReason(event.code);
      if (reason === null) {
        this.connection.transition('disconnected', `gateway closed ${event.code}`);
        return;
      }
      this.#logger.error(`${reason}; Discord stays off until the bot restarts`, { closeCode: event.code });
      this.connection.transition('failed', reason, new Error(reason));
    });
    client.on(Events.ShardError, (error) => this.#logger.warn('gateway error', { error }));
    client.on(Events.Error, (error) => this.#logger.warn('discord client error', { error }));
    client.on(Events.Warn, (message) => this.#logger.warn('discord warning', { detail: message }));
    client.on(Events.MessageCreate, (message) => this.#handle(message));
  }

  #handle(message: Message): void {
    if (!this.#intake) return;
    const routing = routeDiscordMessage(toView(message, this.#botUserId()), this.#botUserId(), {
      guilds: this.options.config.allowedGuilds,
      channels: this.options.config.allowedChannels,
      users: this.options.config.allowedUsers,
    });
    if (!routing.answer) {
      this.#logger.debug('discord message ignored', { reason: routing.reason });
      return;
    }
    this.options.bridge.submit(routing.message, this);
  }

  #botUserId(): string {
    return this.#client.user?.id ?? '';
  }
}

function toView(message: Message, botUserId: string): DiscordMessageView {
  const names = new Map<string, string>();
  for (const user of message.mentions.users.values()) names.set(user.id, user.globalName ?? user.username);
  for (const role of message.mentions.roles.values()) names.set(role.id, role.name);
  for (const channel of message.mentions.channels.values()) names.set(channel.id, 'name' in channel && channel.name !== null ? channel.name : channel.id);
  return {
    id: message.id,
    channelId: message.channelId,
    parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
    guildId: message.guildId,
    content: message.content,
    type: message.type,
    authorId: message.author.id,
    authorName: message.author.globalName ?? message.author.username,
    authorIsBot: message.author.bot,
    mentionsBot: message.mentions.users.has(botUserId),
    repliesToBot: message.mentions.repliedUser?.id === botUserId,
    createdTimestamp: message.createdTimestamp,
    names,
  };
}
