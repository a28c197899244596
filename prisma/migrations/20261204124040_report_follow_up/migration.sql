-- AlterTable
ALTER TABLE "Report" ADD COLUMN "followUpAt" DATETIME;

-- CreateTable
CREATE TABLE "ReportFollowUp" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reportId" INTEGER NOT NULL,
    "userId" INTEGER,
    "askedAt" DATETIME NOT NULL,
    "answer" TEXT,
    "answeredAt" DATETIME,
    CONSTRAINT "ReportFollowUp_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ReportFollowUp_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ReportFollowUp_userId_idx" ON "ReportFollowUp"("userId");

-- CreateIndex
CREATE INDEX "ReportFollowUp_answeredAt_idx" ON "ReportFollowUp"("answeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReportFollowUp_reportId_userId_key" ON "ReportFollowUp"("reportId", "userId");

-- CreateIndex
CREATE INDEX "Report_followUpAt_verifiedAt_idx" ON "Report"("followUpAt", "verifiedAt");

