-- CreateIndex
CREATE INDEX "Report_categoryCode_lat_lon_idx" ON "Report"("categoryCode", "lat", "lon");

