-- CreateIndex
CREATE INDEX "Report_districtId_createdAt_idx" ON "Report"("districtId", "createdAt");

-- CreateIndex
CREATE INDEX "Report_verifiedAt_idx" ON "Report"("verifiedAt");

