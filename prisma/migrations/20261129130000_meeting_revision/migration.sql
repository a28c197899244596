-- The .ics SEQUENCE of a meeting: raised by every change after publication (the UID stays).
-- Same schema as prisma migrate diff's table rebuild, as one ALTER (the column is last either way).
ALTER TABLE "Meeting" ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 0;
