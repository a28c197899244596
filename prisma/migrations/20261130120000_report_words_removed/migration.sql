-- The retention job (RETENTION_DAYS) strips a closed report of the residents' words once and records when.
-- AlterTable
ALTER TABLE "Report" ADD COLUMN "wordsRemovedAt" DATETIME;

-- CreateIndex
CREATE INDEX "Report_status_wordsRemovedAt_idx" ON "Report"("status", "wordsRemovedAt");

