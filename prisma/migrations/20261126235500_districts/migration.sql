-- AlterTable
ALTER TABLE "User" ADD COLUMN "savedAt" DATETIME;
ALTER TABLE "User" ADD COLUMN "savedLabel" TEXT;
ALTER TABLE "User" ADD COLUMN "savedLat" REAL;
ALTER TABLE "User" ADD COLUMN "savedLon" REAL;

-- CreateTable
CREATE TABLE "Unit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lat" REAL,
    "lon" REAL,
    "switchboardPhone" TEXT,
    "dutyPhone" TEXT
);

-- CreateTable
CREATE TABLE "Officer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "rank" TEXT NOT NULL,
    "firstName" TEXT NOT NULL,
    "lastName" TEXT NOT NULL,
    "phone" TEXT,
    "email" TEXT,
    "dutyHours" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "unitId" INTEGER NOT NULL,
    "userId" INTEGER,
    CONSTRAINT "Officer_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Officer_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "District" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "unitId" INTEGER NOT NULL,
    "officerId" INTEGER,
    "geometry" TEXT NOT NULL,
    "planPeriod" TEXT,
    "planThreat" TEXT,
    "planGoal" TEXT,
    "planActions" TEXT,
    CONSTRAINT "District_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "District_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AddressRule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "districtId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "street" TEXT,
    "village" TEXT,
    "fromNumber" INTEGER,
    "toNumber" INTEGER,
    "parity" TEXT NOT NULL DEFAULT 'all',
    CONSTRAINT "AddressRule_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OfficerLinkCode" (
    "codeHash" TEXT NOT NULL PRIMARY KEY,
    "officerId" INTEGER NOT NULL,
    "createdById" INTEGER,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OfficerLinkCode_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Report" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ref" TEXT NOT NULL,
    "categoryCode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'new',
    "lat" REAL NOT NULL,
    "lon" REAL NOT NULL,
    "address" TEXT NOT NULL,
    "placeSource" TEXT NOT NULL,
    "timesOfDay" TEXT NOT NULL DEFAULT '',
    "days" TEXT NOT NULL DEFAULT '',
    "description" TEXT,
    "photos" TEXT NOT NULL DEFAULT '[]',
    "contactConsent" BOOLEAN NOT NULL DEFAULT false,
    "reporterId" INTEGER NOT NULL,
    "submissionKey" TEXT NOT NULL,
    "lastPublicNote" TEXT,
    "districtId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Report_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Report_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Report" ("address", "categoryCode", "contactConsent", "createdAt", "days", "description", "id", "lastPublicNote", "lat", "lon", "photos", "placeSource", "ref", "reporterId", "status", "submissionKey", "timesOfDay", "updatedAt") SELECT "address", "categoryCode", "contactConsent", "createdAt", "days", "description", "id", "lastPublicNote", "lat", "lon", "photos", "placeSource", "ref", "reporterId", "status", "submissionKey", "timesOfDay", "updatedAt" FROM "Report";
DROP TABLE "Report";
ALTER TABLE "new_Report" RENAME TO "Report";
CREATE UNIQUE INDEX "Report_ref_key" ON "Report"("ref");
CREATE UNIQUE INDEX "Report_submissionKey_key" ON "Report"("submissionKey");
CREATE INDEX "Report_reporterId_createdAt_idx" ON "Report"("reporterId", "createdAt");
CREATE INDEX "Report_categoryCode_status_idx" ON "Report"("categoryCode", "status");
CREATE INDEX "Report_status_createdAt_idx" ON "Report"("status", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Unit_code_key" ON "Unit"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Officer_code_key" ON "Officer"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Officer_userId_key" ON "Officer"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "District_number_key" ON "District"("number");

-- CreateIndex
CREATE INDEX "AddressRule_districtId_idx" ON "AddressRule"("districtId");

