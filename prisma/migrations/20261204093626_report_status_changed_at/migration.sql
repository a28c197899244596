-- AlterTable
ALTER TABLE "Report" ADD COLUMN "statusChangedAt" DATETIME;


-- Reports already past "new": when they reached their status, from their status events.
UPDATE "Report" SET "statusChangedAt" = (
  SELECT max(e."createdAt") FROM "ReportEvent" e WHERE e."reportId" = "Report"."id" AND e."kind" = 'status' AND e."toStatus" = "Report"."status"
) WHERE "status" <> 'new';
