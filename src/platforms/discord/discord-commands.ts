import { ApplicationCommandOptionType, MessageFlags, Routes, type ChatInputCommandInteraction, type REST } from 'discord.js';
import { StreamedReply, type Bridge, type InboundMessage, type ReplyChannel, type ReplySink } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { editIntervalMs, messageMaxChars } from './discord-reply.js';
import { encodeDiscordConversation } from './discord-target.js';

/** The commands as Discord stores them; compared field by field with what is registered. */
const commandDefinitions = [
  {
    name: 'ask',
    description: 'Ask the assistant a question',
    options: [
      { type: ApplicationCommandOptionType.String, name: 'question', description: 'What do you want to know?', required: true },
      { type: ApplicationCommandOptionType.Boolean, name: 'private', description: 'Only you see the answer', required: false },
    ],
  },
  { name: 'reset', description: 'Forget the conversation in this channel', options: [] },
  { name: 'status', description: "Show the bot's status (only to you)", options: [] },
];

interface RegisteredCommand {
  readonly name: string;
  readonly description: string;
  readonly options?: readonly { type: number; name: string; description: string; required?: boolean }[];
}

/**
 * Registers the commands only when what Discord has differs, so frequent
 * redeploys never meet the registration rate limits (200 creates a day).
 */
export async function registerCommandsIfChanged(rest: REST, applicationId: string, guildId: string | undefined, logger: Logger): Promise<void> {
  const route = guildId === undefined ? Routes.applicationCommands(applicationId) : Routes.applicationGuildCommands(applicationId, guildId);
  const existing = (await rest.get(route)) as RegisteredCommand[];
  if (sameCommands(existing, commandDefinitions)) {
    logger.info('slash commands unchanged; registration skipped', { scope: guildId ?? 'global' });
    return;
  }
  await rest.put(route, { body: commandDefinitions });
  logger.info('slash commands registered', { scope: guildId ?? 'global', commands: commandDefinitions.map((c) => c.name) });
}

function sameCommands(existing: readonly RegisteredCommand[], wanted: readonly RegisteredCommand[]): boolean {
  const normalise = (commands: readonly RegisteredCommand[]) =>
    JSON.stringify(
      [...commands]
        .map((c) => ({ name: c.name, description: c.description, options: (c.options ?? []).map((o) => ({ type: o.type, name: o.name, description: o.description, required: o.required === true })) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  return normalise(existing) === normalise(wanted);
}

export interface DiscordCommandDeps {
  readonly bridge: Bridge;
  /** The platform's own channel, for history rebuilds. */
  readonly platform: ReplyChannel;
  readonly describeStatus: () => string;
  readonly logger: Logger;
}

/** /ask is deferred at once (Discord allows 3 s) and streamed into the original response; /reset and /status answer only the asker. */
export async function handleCommand(interaction: ChatInputCommandInteraction, deps: DiscordCommandDeps): Promise<void> {
  const channelId = interaction.channelId;
  if (interaction.commandName === 'ask') {
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
    const message: InboundMessage = {
      platform: 'discord',
      conversationKey: encodeDiscordConversation(isPrivate ? { channelId, privateTo: interaction.user.id } : { channelId }),
      messageId: `interaction:${interaction.id}`,
      authorId: interaction.user.id,
      authorName: interaction.user.globalName ?? interaction.user.username,
      authorIsBot: false,
      text: interaction.options.getString('question', true),
      sentAt: interaction.createdTimestamp,
    };
    const channel: ReplyChannel = {
      openReply: () => interactionReply(interaction, isPrivate, deps.logger),
      ...(isPrivate || deps.platform.loadEarlierTurns === undefined ? {} : { loadEarlierTurns: deps.platform.loadEarlierTurns.bind(deps.platform) }),
    };
    deps.bridge.submit(message, channel);
    return;
  }
  if (interaction.commandName === 'reset') {
    const keys = [encodeDiscordConversation({ channelId }), encodeDiscordConversation({ channelId, privateTo: interaction.user.id })];
    const forgot = keys.map((key) => deps.bridge.forget(key)).some(Boolean);
    await interaction.reply({ content: forgot ? 'Done: I forgot the conversation in this channel.' : 'There was no conversation to forget here.', flags: MessageFlags.Ephemeral });
    return;
  }
  if (interaction.commandName === 'status') await interaction.reply({ content: deps.describeStatus(), flags: MessageFlags.Ephemeral });
}

/** The deferred response is the first message; text beyond 2,000 characters goes to follow-ups. */
function interactionReply(interaction: ChatInputCommandInteraction, isPrivate: boolean, logger: Logger): ReplySink {
  const original = '@original';
  const noMentions = { parse: [] };
  let originalWritten = false;
  return new StreamedReply<string>({
    writer: {
      post: async (content) => {
        if (!originalWritten) {
          await interaction.editReply({ content, allowedMentions: noMentions });
          originalWritten = true;
          return original;
        }
        const followUp = await interaction.followUp({ content, allowedMentions: noMentions, ...(isPrivate ? { flags: MessageFlags.Ephemeral } : {}) });
        return followUp.id;
      },
      edit: async (id, content) => {
        if (id === original) await interaction.editReply({ content, allowedMentions: noMentions });
        else await interaction.webhook.editMessage(id, { content, allowedMentions: noMentions });
      },
    },
    maxLength: messageMaxChars,
    editIntervalMs,
    logger,
  });
}
