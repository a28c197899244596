-- AlterTable
ALTER TABLE "Report" ADD COLUMN "assignedOfficerId" INTEGER;
ALTER TABLE "Report" ADD COLUMN "firstReviewedAt" DATETIME;
ALTER TABLE "Report" ADD COLUMN "mergedIntoId" INTEGER;
ALTER TABLE "Report" ADD COLUMN "moderationMessageId" INTEGER;
ALTER TABLE "Report" ADD COLUMN "referredTo" TEXT;
ALTER TABLE "Report" ADD COLUMN "verifiedAt" DATETIME;

-- CreateTable
CREATE TABLE "ReportReminder" (
    "reportId" INTEGER NOT NULL,
    "threshold" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("reportId", "threshold"),
    CONSTRAINT "ReportReminder_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PendingInput" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "chatId" BIGINT NOT NULL,
    "promptMessageId" INTEGER,
    "userId" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" DATETIME
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ReportEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reportId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'status',
    "actorId" INTEGER,
    "actorRole" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT NOT NULL,
    "note" TEXT,
    "publicNote" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notifiedAt" DATETIME,
    CONSTRAINT "ReportEvent_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReportEvent" ("actorId", "createdAt", "fromStatus", "id", "note", "publicNote", "reportId", "toStatus") SELECT "actorId", "createdAt", "fromStatus", "id", "note", "publicNote", "reportId", "toStatus" FROM "ReportEvent";
DROP TABLE "ReportEvent";
ALTER TABLE "new_ReportEvent" RENAME TO "ReportEvent";
CREATE INDEX "ReportEvent_reportId_createdAt_idx" ON "ReportEvent"("reportId", "createdAt");
CREATE INDEX "ReportEvent_notifiedAt_idx" ON "ReportEvent"("notifiedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "PendingInput_chatId_userId_idx" ON "PendingInput"("chatId", "userId");

