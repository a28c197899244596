-- The force-reply prompts became conversations (src/bot/dialogs): their table goes.
-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "PendingInput";
PRAGMA foreign_keys=on;
