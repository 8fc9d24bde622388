// Slash commands: command registration, INTERACTION_CREATE, and the callback/webhook routes a bot answers
// with. Discord takes the callback only within 3 s of the interaction and only once; webhooks need no token.
import type { APIMessage } from 'discord-api-types/v10';
import { ApiError, type RestContext, type RestResult, type Route, asRecord, invalidForm, notFound } from './http.js';
import { interactionToken } from './ids.js';
import { Flags, MessageKind, applyEdit, composeMessage, readMessageBody } from './messages.js';
import type { Backend } from './routes.js';
import { DEFAULT_USER } from './store.js';
import type { InteractionInput, SentInteraction } from './types.js';

const Callback = { ChannelMessage: 4, DeferredChannelMessage: 5 } as const;
// Interaction webhooks stay usable for 15 minutes.
const TOKEN_LIFETIME_MS = 15 * 60_000;

interface PendingInteraction {
  id: string;
  token: string;
  createdAt: number;
  acknowledged: boolean;
  channelId: string;
  userId: string;
  commandName: string;
  originalId?: string;
}

type Command = Record<string, unknown> & { id: string; name: string };

export class Interactions {
  /** Registered commands per scope: 'global' or a guild id. */
  readonly commands = new Map<string, Command[]>();
  readonly #byToken = new Map<string, PendingInteraction>();

  constructor(
    private readonly backend: Backend,
    private readonly ackWindowMs: number,
  ) {}

  create(input: InteractionInput): SentInteraction {
    const { store } = this.backend;
    const channelId = input.channelId ?? store.channels.keys().next().value ?? '';
    const channel = store.channels.get(channelId);
    if (!channel) throw new Error(`fake Discord: no channel ${channelId}`);
    const user = store.ensureUser(input.user ?? DEFAULT_USER);
    const id = store.ids.next();
    const token = interactionToken(id);
    const guildId = channel.guildId;
    if (guildId) store.joinGuild(guildId, user);
    const registered = [...(this.commands.get('global') ?? []), ...(guildId ? this.commands.get(guildId) ?? [] : [])];
    const command = registered.find((c) => c.name === input.commandName);
    const allPermissions = ((1n << 51n) - 1n).toString();
    this.#byToken.set(token, { id, token, createdAt: Date.now(), acknowledged: false, channelId, userId: user.id, commandName: input.commandName });
    this.backend.dispatch('INTERACTION_CREATE', {
      id, application_id: store.applicationId, type: 2, token, version: 1,
      data: { id: command?.id ?? store.ids.next(), name: input.commandName, type: 1, ...(input.options ? { options: input.options } : {}), ...(guildId ? { guild_id: guildId } : {}) },
      channel_id: channelId, channel: store.channelPayload(channel),
      ...(guildId
        ? { guild_id: guildId, guild: { id: guildId, locale: 'en-US', features: [] }, guild_locale: 'en-US', member: { ...store.member(guildId, user.id), permissions: allPermissions } }
        : { user }),
      app_permissions: allPermissions, locale: 'en-US', entitlements: [], attachment_size_limit: 10_485_760,
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': user.id }, context: guildId ? 0 : 1,
    });
    return { id, token, applicationId: store.applicationId, channelId };
  }

  routes(): Route[] {
    const commandRoutes = (base: string, scope: (ctx: RestContext) => string): Route[] => [
      { method: 'GET', pattern: base, handle: (ctx) => ({ status: 200, body: this.#scope(ctx, scope) }) },
      { method: 'PUT', pattern: base, handle: (ctx) => this.#overwrite(ctx, scope) },
      { method: 'POST', pattern: base, handle: (ctx) => this.#upsert(ctx, scope) },
      {
        method: 'DELETE', pattern: `${base}/:command`,
        handle: (ctx) => {
          const list = this.#scope(ctx, scope);
          const index = list.findIndex((c) => c.id === ctx.params.command);
          if (index < 0) throw notFound('application command', 10063);
          list.splice(index, 1);
          return { status: 204 };
        },
      },
    ];
    const original = '/webhooks/:app/:token/messages/@original';
    return [
      ...commandRoutes('/applications/:app/commands', () => 'global'),
      ...commandRoutes('/applications/:app/guilds/:guild/commands', (ctx) => ctx.params.guild ?? ''),
      { method: 'POST', pattern: '/interactions/:id/:token/callback', auth: false, handle: (ctx) => this.#callback(ctx) },
      { method: 'GET', pattern: original, auth: false, handle: (ctx) => ({ status: 200, body: this.#original(ctx).message }) },
      { method: 'PATCH', pattern: original, auth: false, handle: (ctx) => this.#edit(ctx, this.#original(ctx).message) },
      { method: 'PATCH', pattern: '/webhooks/:app/:token/messages/:message', auth: false, handle: (ctx) => this.#edit(ctx, this.#followUp(ctx)) },
      {
        method: 'DELETE', pattern: original, auth: false,
        handle: (ctx) => {
          const { message } = this.#original(ctx);
          this.backend.store.remove(message.channel_id, message.id);
          return { status: 204, after: () => this.backend.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channel_id }) };
        },
      },
      {
        method: 'POST', pattern: '/webhooks/:app/:token', auth: false,
        handle: (ctx) => {
          const pending = this.#live(ctx);
          if (!pending.acknowledged) throw notFound('Webhook', 10015);
          return this.#respondWithMessage(ctx, pending, false);
        },
      },
    ];
  }

  #scope(ctx: RestContext, scope: (ctx: RestContext) => string): Command[] {
    if (ctx.params.app !== this.backend.store.applicationId) throw notFound('Application', 10002);
    const key = scope(ctx);
    if (key !== 'global' && !this.backend.store.guilds.has(key)) throw notFound('Guild', 10004);
    const list = this.commands.get(key) ?? [];
    this.commands.set(key, list);
    return list;
  }

  #build(raw: unknown, existing: Command | undefined, guildId: string | undefined): Command {
    const body = asRecord(raw);
    const name = body.name;
    if (typeof name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || name !== name.toLowerCase()) {
      throw invalidForm('name', 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    const type = typeof body.type === 'number' ? body.type : 1;
    if (type === 1 && (typeof body.description !== 'string' || body.description.length < 1 || body.description.length > 100)) {
      throw invalidForm('description', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    return {
      options: [], default_member_permissions: null, nsfw: false, contexts: null, integration_types: [0], ...body,
      id: existing?.id ?? this.backend.store.ids.next(), application_id: this.backend.store.applicationId, version: this.backend.store.ids.next(),
      name, type, description: typeof body.description === 'string' ? body.description : '', ...(guildId ? { guild_id: guildId } : {}),
    };
  }

  #overwrite(ctx: RestContext, scope: (ctx: RestContext) => string): RestResult {
    const list = this.#scope(ctx, scope);
    if (!Array.isArray(ctx.body)) throw invalidForm('_root', 'ARRAY_TYPE_CONVERT', 'Could not interpret as array.');
    const guildId = scope(ctx) === 'global' ? undefined : scope(ctx);
    const next = ctx.body.map((raw) => this.#build(raw, list.find((c) => c.name === asRecord(raw).name), guildId));
    list.splice(0, list.length, ...next);
    return { status: 200, body: next };
  }

  #upsert(ctx: RestContext, scope: (ctx: RestContext) => string): RestResult {
    const list = this.#scope(ctx, scope);
    const existing = list.find((c) => c.name === asRecord(ctx.body).name);
    const command = this.#build(ctx.body, existing, scope(ctx) === 'global' ? undefined : scope(ctx));
    if (existing) list.splice(list.indexOf(existing), 1, command);
    else list.push(command);
    return { status: existing ? 200 : 201, body: command };
  }

  #live(ctx: RestContext): PendingInteraction {
    const pending = this.#byToken.get(ctx.params.token ?? '');
    const fresh = pending && Date.now() - pending.createdAt < TOKEN_LIFETIME_MS;
    if (!fresh || (ctx.params.app !== undefined && ctx.params.app !== this.backend.store.applicationId)) throw notFound('Webhook', 10015);
    return pending;
  }

  #callback(ctx: RestContext): RestResult {
    const pending = this.#byToken.get(ctx.params.token ?? '');
    if (!pending || pending.id !== ctx.params.id || Date.now() - pending.createdAt >= this.ackWindowMs) {
      throw notFound('interaction', 10062);
    }
    if (pending.acknowledged) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
    pending.acknowledged = true;
    const body = asRecord(ctx.body);
    const type = body.type;
    if (type !== Callback.ChannelMessage && type !== Callback.DeferredChannelMessage) return { status: 204 };
    const deferred = type === Callback.DeferredChannelMessage;
    const result = this.#respondWithMessage({ ...ctx, body: body.data ?? {} }, pending, deferred);
    const message = result.body as APIMessage;
    pending.originalId = message.id;
    if (ctx.query.get('with_response') !== 'true') return { status: 204, ...(result.after ? { after: result.after } : {}) };
    const ephemeral = ((message.flags ?? 0) & Flags.Ephemeral) !== 0;
    return {
      ...result,
      body: {
        interaction: { id: pending.id, type: 2, response_message_id: message.id, response_message_loading: deferred, response_message_ephemeral: ephemeral },
        resource: { type, message },
      },
    };
  }

  #respondWithMessage(ctx: RestContext, pending: PendingInteraction, deferred: boolean): RestResult {
    const { store } = this.backend;
    const channel = store.channels.get(pending.channelId);
    if (!channel) throw notFound('Channel', 10003);
    const body = readMessageBody(ctx.body, ctx.files.length, !deferred);
    const user = store.users.get(pending.userId);
    const flags = (body.flags ?? 0) & Flags.Ephemeral;
    const message = composeMessage(store, {
      channel, author: store.bot, content: body.content ?? '', type: MessageKind.ChatInputCommand,
      flags: deferred ? flags | Flags.Loading : flags,
      attachments: ctx.files.map((f) => store.attachment(channel.id, { filename: f.filename, contentType: f.contentType, data: f.data })),
      ...(body.embeds ? { embeds: body.embeds } : {}), ...(body.components ? { components: body.components } : {}),
      extra: {
        webhook_id: store.applicationId, application_id: store.applicationId,
        interaction_metadata: { id: pending.id, type: 2, user: user ?? store.bot, authorizing_integration_owners: {}, name: pending.commandName, command_type: 1 },
      } as Partial<APIMessage>,
    });
    store.insert(message);
    // Ephemeral responses exist only for the invoking user, so the bot's gateway never sees them.
    const after = flags === 0 ? () => this.backend.dispatch('MESSAGE_CREATE', store.gatewayMessage(message)) : undefined;
    return { status: 200, body: message, ...(after ? { after } : {}) };
  }

  #original(ctx: RestContext): { message: APIMessage } {
    const pending = this.#live(ctx);
    const message = pending.originalId ? this.backend.store.message(pending.channelId, pending.originalId) : undefined;
    if (!message) throw notFound('Message', 10008);
    return { message };
  }

  #followUp(ctx: RestContext): APIMessage {
    const pending = this.#live(ctx);
    const message = this.backend.store.message(pending.channelId, ctx.params.message ?? '');
    if (!message || asRecord(message.interaction_metadata).id !== pending.id) throw notFound('Message', 10008);
    return message;
  }

  #edit(ctx: RestContext, message: APIMessage): RestResult {
    applyEdit(message, readMessageBody(ctx.body, ctx.files.length, false), undefined);
    const ephemeral = ((message.flags ?? 0) & Flags.Ephemeral) !== 0;
    const after = ephemeral ? undefined : () => this.backend.dispatch('MESSAGE_UPDATE', this.backend.store.gatewayMessage(message));
    return { status: 200, body: message, ...(after ? { after } : {}) };
  }
}
