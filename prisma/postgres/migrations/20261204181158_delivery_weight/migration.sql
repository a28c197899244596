-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "weight" INTEGER NOT NULL DEFAULT 1;

-- Rows still to send: a media group weighs its items (what the worker read from the payload until now).
UPDATE "Delivery" SET "weight" = greatest(json_array_length(("payload"::json) -> 'media'), 1)
WHERE "status" IN ('pending', 'sending') AND ("payload"::json ->> 'method') = 'sendMediaGroup';
