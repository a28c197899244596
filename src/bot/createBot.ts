import { Bot, type Api, type MiddlewareFn } from "grammy";
import { conversations, createConversation } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { dialogueKey } from "../db/chatPrefetch.js";
import type { Config, Locale } from "../config.js";
import { resolveLocale } from "../i18n/index.js";
import { apiTransformers } from "./api.js";
import { botApiFetch } from "./httpClient.js";
import type { BotContext, BotDeps, ConversationContext } from "./context.js";
import { dbConversationStorage } from "./conversationStorage.js";
import { cancelFeature } from "./features/cancel.js";
import { chatScopeFeature } from "./features/chatScope.js";
import { fallbackFeature } from "./features/fallback.js";
import { followUpFeature } from "./features/followUp.js";
import { digestFeature } from "./features/digest.js";
import { languageFeature } from "./features/language.js";
import { meetingsFeature } from "./features/meetings/index.js";
import { NEW_MEETING_CONVERSATION, newMeetingConversation } from "./features/meetings/newMeeting.js";
import { rolesFeature } from "./features/admin/roles.js";
import { moderationFeature } from "./features/moderation/index.js";
import { moderationDialogs } from "./features/moderation/dialogs.js";
import { meetingDialogs } from "./features/meetings/dialogs.js";
import { meetingFeedbackDialogs } from "./features/meetings/feedback.js";
import { consultationDialogs } from "./features/consultations/dialogs.js";
import { consultationsFeature } from "./features/consultations/index.js";
import { officerLinksFeature } from "./features/admin/officerLinks.js";
import { OFFICER_CONVERSATION, officerConversation, officerFeature } from "./features/officer/index.js";
import { reportForm } from "./dialogs/reportForm.js";
import { reportFeature } from "./features/report/index.js";
import { startFeature } from "./features/start.js";
import { userMiddleware } from "./middlewares/user.js";
import { validUpdate } from "./middlewares/validUpdate.js";
import { mainMenu } from "./keyboards.js";

/** Bump when a conversation's code changes shape, so stored state is not replayed against new code. */
export const CONVERSATION_STATE_VERSION = 3;

export type AppBot = Bot<BotContext>;

/** Builds the real bot. Tests call this with fake servers behind config and deps. */
export function createBot(config: Config, deps: BotDeps): AppBot {
  const bot = new Bot<BotContext>(config.BOT_TOKEN, { client: { apiRoot: config.TELEGRAM_API_ROOT, fetch: botApiFetch() } });
  for (const t of apiTransformers(deps, deps.stopping)) bot.api.config.use(t);

  bot.use(countUpdates(deps)); // first: every update is counted and timed, refused ones too
  bot.use(validUpdate(config, deps)); // even the ordering below reads chat.id
  // One chat's updates in order; different chats concurrently (runner).
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use(errorBoundary(deps));
  const locales = new Map<number, Locale>();
  // Senders whose current update follows a refused message (they had blocked the bot): see AppFlavor.returning.
  const returning = new Set<number>();
  bot.use(userMiddleware(config, deps, locales, returning));
  bot.use(
    conversations<BotContext, ConversationContext>({
      storage: {
        type: "key",
        version: CONVERSATION_STATE_VERSION,
        getStorageKey: (ctx) => (ctx.chat && ctx.from ? dialogueKey(ctx.chat.id, ctx.from.id) : undefined),
        adapter: dbConversationStorage(deps.db, deps.now, { cache: !deps.sharedDatabase, prefetch: deps.prefetch }),
      },
      // Inside a conversation each update gets a fresh context and Api: give it the same language and transformers.
      plugins: [
        async (ctx, next) => {
          for (const t of apiTransformers(deps, deps.stopping)) ctx.api.config.use(t);
          ctx.config = config;
          ctx.deps = deps;
          // The outer middleware ran for this very update just before, so the cache holds this user's language.
          ctx.locale = (ctx.from && locales.get(ctx.from.id)) || resolveLocale(null, ctx.from?.language_code, config.DEFAULT_LOCALE);
          ctx.t = deps.i18n.fixedT(ctx.locale);
          ctx.user = undefined;
          ctx.returning = ctx.from ? returning.has(ctx.from.id) : false;
          await next();
        },
      ],
    }),
  );
  bot.use(cancelFeature());
  // Every dialogue before any feature's handlers: an open question sees its chat's updates first, and what it
  // does not take (other buttons, commands, menu taps) goes on to the features (src/bot/dialogs/answer.ts).
  bot.use(createConversation<BotContext, ConversationContext>(officerConversation, OFFICER_CONVERSATION));
  bot.use(createConversation<BotContext, ConversationContext>(newMeetingConversation, NEW_MEETING_CONVERSATION));
  for (const dialog of [...moderationDialogs, ...meetingDialogs, ...meetingFeedbackDialogs, ...consultationDialogs])
    bot.use(createConversation<BotContext, ConversationContext>(dialog.builder, dialog.id));
  // The report form after the dialogues: a question opened mid-report (a relayed question) is answered first.
  bot.use(reportForm());
  bot.use(chatScopeFeature());
  bot.use(moderationFeature());
  bot.use(startFeature());
  bot.use(languageFeature(deps.i18n));
  bot.use(reportFeature(deps.i18n));
  bot.use(followUpFeature());
  bot.use(digestFeature());
  bot.use(consultationsFeature());
  bot.use(officerFeature(deps.i18n));
  bot.use(officerLinksFeature());
  bot.use(rolesFeature());
  bot.use(meetingsFeature(deps.i18n));
  bot.use(fallbackFeature());
  return bot;
}

/** Counts each update by kind and times its handling, including the wait behind its chat's earlier updates. */
function countUpdates(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      deps.metrics.update(ctx.update, (performance.now() - started) / 1000);
      deps.updateRate.handled();
    }
  };
}

/** A user who hits an error gets a localized apology; the error is logged, never shown. */
function errorBoundary(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      deps.logger.error({ err, updateId: ctx.update.update_id }, "update failed");
      try {
        if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
        if (ctx.chat?.type === "private" && ctx.t) {
          await ctx.reply(ctx.t("error.generic"), { reply_markup: mainMenu(ctx.t) });
        }
      } catch (replyErr) {
        deps.logger.warn({ err: replyErr }, "could not send the apology");
      }
    }
  };
}

/** Commands in each language's menu (Telegram shows the list matching the user's app language). */
export async function registerCommands(api: Api, deps: BotDeps): Promise<void> {
  const names = ["start", "report", "officer", "myreports", "meetings", "subscribe", "unsubscribe", "language", "privacy", "help", "cancel"] as const;
  const list = (locale: Locale) => names.map((command) => ({ command, description: deps.i18n.t(locale, `commands.${command}`) }));
  await api.setMyCommands(list(deps.i18n.defaultLocale));
  for (const locale of ["pl", "en", "uk"] as const) await api.setMyCommands(list(locale), { language_code: locale });
}

/** The moderators' group gets the coordinators' commands; a bot not (yet) in the group must still start. */
export async function registerGroupCommands(api: Api, deps: BotDeps, chatId: bigint): Promise<void> {
  const t = deps.i18n.fixedT(deps.i18n.defaultLocale);
  const commands = (["queue", "stats", "export"] as const).map((command) => ({ command, description: t(`commands.${command}`) }));
  await api.setMyCommands(commands, { scope: { type: "chat", chat_id: Number(chatId) } }).catch((err: unknown) => {
    deps.logger.warn({ err: String(err) }, "could not set the moderators' group commands (is the bot in the group?)");
  });
}
