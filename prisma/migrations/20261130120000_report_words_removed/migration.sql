-- The retention job (RETENTION_DAYS) strips a closed report of the residents' words once and records when; a person's
-- events are found by their actor ("Usuń moje dane", and the job deleting inactive accounts).
-- AlterTable
ALTER TABLE "Report" ADD COLUMN "wordsRemovedAt" DATETIME;

-- CreateIndex
CREATE INDEX "Report_status_wordsRemovedAt_idx" ON "Report"("status", "wordsRemovedAt");

-- CreateIndex
CREATE INDEX "ReportEvent_actorId_idx" ON "ReportEvent"("actorId");

