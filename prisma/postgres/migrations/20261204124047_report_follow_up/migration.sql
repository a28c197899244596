-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "followUpAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ReportFollowUp" (
    "id" SERIAL NOT NULL,
    "reportId" INTEGER NOT NULL,
    "userId" INTEGER,
    "askedAt" TIMESTAMP(3) NOT NULL,
    "answer" TEXT,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "ReportFollowUp_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReportFollowUp_userId_idx" ON "ReportFollowUp"("userId");

-- CreateIndex
CREATE INDEX "ReportFollowUp_answeredAt_idx" ON "ReportFollowUp"("answeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReportFollowUp_reportId_userId_key" ON "ReportFollowUp"("reportId", "userId");

-- CreateIndex
CREATE INDEX "Report_followUpAt_verifiedAt_idx" ON "Report"("followUpAt", "verifiedAt");

-- AddForeignKey
ALTER TABLE "ReportFollowUp" ADD CONSTRAINT "ReportFollowUp_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportFollowUp" ADD CONSTRAINT "ReportFollowUp_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
