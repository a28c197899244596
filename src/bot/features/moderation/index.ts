import { Composer } from "grammy";
import type { BotContext } from "../../context.js";
import { coordinatorCard } from "./card.js";
import { staffCommands } from "./commands.js";
import { officerWorkflow } from "./officer.js";
import { residentReplies } from "./residents.js";

/**
 * The moderators' queue and the officer's workflow. Every button press and command re-reads the actor's
 * role from the database; callback data only says what was pressed, and is refused when forged or stale.
 */
export function moderationFeature(): Composer<BotContext> {
  return new Composer<BotContext>(coordinatorCard(), officerWorkflow(), residentReplies(), staffCommands());
}
