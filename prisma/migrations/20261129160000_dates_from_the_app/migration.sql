-- Dates come from the app's clock, never from the database: no DEFAULT CURRENT_TIMESTAMP (a different text
-- format that sorts wrongly beside ours). One encoding for every DateTime column on SQLite, documented in
-- src/db/dialect.ts: ISO 8601 in UTC with milliseconds, "2026-11-29T14:00:00.000+00:00". Rows written by
-- raw SQL that relied on a default are brought to it.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "telegramId" BIGINT NOT NULL,
    "firstName" TEXT NOT NULL DEFAULT '',
    "username" TEXT,
    "language" TEXT,
    "languageCode" TEXT,
    "role" TEXT NOT NULL DEFAULT 'resident',
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "banned" BOOLEAN NOT NULL DEFAULT false,
    "firstSeen" DATETIME NOT NULL,
    "lastSeen" DATETIME NOT NULL,
    "savedLat" REAL,
    "savedLon" REAL,
    "savedLabel" TEXT,
    "savedAt" DATETIME
);
INSERT INTO "new_User" ("banned", "blocked", "firstName", "firstSeen", "id", "language", "languageCode", "lastSeen", "role", "savedAt", "savedLabel", "savedLat", "savedLon", "telegramId", "username") SELECT "banned", "blocked", "firstName", "firstSeen", "id", "language", "languageCode", "lastSeen", "role", "savedAt", "savedLabel", "savedLat", "savedLon", "telegramId", "username" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_telegramId_key" ON "User"("telegramId");
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
    "assignedOfficerId" INTEGER,
    "moderationMessageId" INTEGER,
    "mergedIntoId" INTEGER,
    "referredTo" TEXT,
    "firstReviewedAt" DATETIME,
    "verifiedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Report_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Report_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Report" ("address", "assignedOfficerId", "categoryCode", "contactConsent", "createdAt", "days", "description", "districtId", "firstReviewedAt", "id", "lastPublicNote", "lat", "lon", "mergedIntoId", "moderationMessageId", "photos", "placeSource", "ref", "referredTo", "reporterId", "status", "submissionKey", "timesOfDay", "updatedAt", "verifiedAt") SELECT "address", "assignedOfficerId", "categoryCode", "contactConsent", "createdAt", "days", "description", "districtId", "firstReviewedAt", "id", "lastPublicNote", "lat", "lon", "mergedIntoId", "moderationMessageId", "photos", "placeSource", "ref", "referredTo", "reporterId", "status", "submissionKey", "timesOfDay", "updatedAt", "verifiedAt" FROM "Report";
DROP TABLE "Report";
ALTER TABLE "new_Report" RENAME TO "Report";
CREATE UNIQUE INDEX "Report_ref_key" ON "Report"("ref");
CREATE UNIQUE INDEX "Report_submissionKey_key" ON "Report"("submissionKey");
CREATE INDEX "Report_reporterId_createdAt_idx" ON "Report"("reporterId", "createdAt");
CREATE INDEX "Report_categoryCode_status_idx" ON "Report"("categoryCode", "status");
CREATE INDEX "Report_categoryCode_lat_lon_idx" ON "Report"("categoryCode", "lat", "lon");
CREATE INDEX "Report_status_createdAt_idx" ON "Report"("status", "createdAt");
CREATE TABLE "new_ReportEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reportId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'status',
    "fileId" TEXT,
    "actorId" INTEGER,
    "actorRole" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT NOT NULL,
    "note" TEXT,
    "publicNote" TEXT,
    "createdAt" DATETIME NOT NULL,
    "notifiedAt" DATETIME,
    CONSTRAINT "ReportEvent_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReportEvent" ("actorId", "actorRole", "createdAt", "fileId", "fromStatus", "id", "kind", "note", "notifiedAt", "publicNote", "reportId", "toStatus") SELECT "actorId", "actorRole", "createdAt", "fileId", "fromStatus", "id", "kind", "note", "notifiedAt", "publicNote", "reportId", "toStatus" FROM "ReportEvent";
DROP TABLE "ReportEvent";
ALTER TABLE "new_ReportEvent" RENAME TO "ReportEvent";
CREATE INDEX "ReportEvent_reportId_createdAt_idx" ON "ReportEvent"("reportId", "createdAt");
CREATE INDEX "ReportEvent_notifiedAt_idx" ON "ReportEvent"("notifiedAt");
CREATE TABLE "new_ReportReminder" (
    "reportId" INTEGER NOT NULL,
    "threshold" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL,

    PRIMARY KEY ("reportId", "threshold"),
    CONSTRAINT "ReportReminder_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReportReminder" ("reportId", "sentAt", "threshold") SELECT "reportId", "sentAt", "threshold" FROM "ReportReminder";
DROP TABLE "ReportReminder";
ALTER TABLE "new_ReportReminder" RENAME TO "ReportReminder";
CREATE TABLE "new_ReportFollower" (
    "reportId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("reportId", "userId"),
    CONSTRAINT "ReportFollower_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ReportFollower_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReportFollower" ("createdAt", "kind", "reportId", "userId") SELECT "createdAt", "kind", "reportId", "userId" FROM "ReportFollower";
DROP TABLE "ReportFollower";
ALTER TABLE "new_ReportFollower" RENAME TO "ReportFollower";
CREATE INDEX "ReportFollower_userId_idx" ON "ReportFollower"("userId");
CREATE TABLE "new_GeocodeCache" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);
INSERT INTO "new_GeocodeCache" ("createdAt", "key", "value") SELECT "createdAt", "key", "value" FROM "GeocodeCache";
DROP TABLE "GeocodeCache";
ALTER TABLE "new_GeocodeCache" RENAME TO "GeocodeCache";
CREATE TABLE "new_InboxUpdate" (
    "updateId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "payload" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL
);
INSERT INTO "new_InboxUpdate" ("payload", "receivedAt", "updateId") SELECT "payload", "receivedAt", "updateId" FROM "InboxUpdate";
DROP TABLE "InboxUpdate";
ALTER TABLE "new_InboxUpdate" RENAME TO "InboxUpdate";
CREATE TABLE "new_OfficerLinkCode" (
    "codeHash" TEXT NOT NULL PRIMARY KEY,
    "officerId" INTEGER NOT NULL,
    "createdById" INTEGER,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "OfficerLinkCode_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_OfficerLinkCode" ("codeHash", "createdAt", "createdById", "expiresAt", "officerId", "usedAt") SELECT "codeHash", "createdAt", "createdById", "expiresAt", "officerId", "usedAt" FROM "OfficerLinkCode";
DROP TABLE "OfficerLinkCode";
ALTER TABLE "new_OfficerLinkCode" RENAME TO "OfficerLinkCode";
CREATE TABLE "new_Delivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "dedupeKey" TEXT NOT NULL,
    "chatId" BIGINT NOT NULL,
    "userId" INTEGER,
    "kind" TEXT NOT NULL,
    "batchKey" TEXT,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "notBefore" DATETIME NOT NULL,
    "lastError" TEXT,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL
);
INSERT INTO "new_Delivery" ("attempts", "batchKey", "chatId", "createdAt", "dedupeKey", "id", "kind", "lastError", "notBefore", "payload", "sentAt", "status", "userId") SELECT "attempts", "batchKey", "chatId", "createdAt", "dedupeKey", "id", "kind", "lastError", "notBefore", "payload", "sentAt", "status", "userId" FROM "Delivery";
DROP TABLE "Delivery";
ALTER TABLE "new_Delivery" RENAME TO "Delivery";
CREATE UNIQUE INDEX "Delivery_dedupeKey_key" ON "Delivery"("dedupeKey");
CREATE INDEX "Delivery_status_notBefore_idx" ON "Delivery"("status", "notBefore");
CREATE INDEX "Delivery_batchKey_status_idx" ON "Delivery"("batchKey", "status");
CREATE TABLE "new_Meeting" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "organiser" TEXT NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "venueName" TEXT NOT NULL,
    "venueAddress" TEXT NOT NULL,
    "lat" REAL,
    "lon" REAL,
    "cityWide" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT NOT NULL DEFAULT '',
    "agenda" TEXT,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "createdById" INTEGER,
    "createdAt" DATETIME NOT NULL,
    "publishedAt" DATETIME,
    "cancelledAt" DATETIME,
    "digestSentAt" DATETIME,
    "progressChatId" BIGINT,
    "progressMessageId" INTEGER,
    "formKey" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_Meeting" ("agenda", "cancelledAt", "cityWide", "createdAt", "createdById", "description", "digestSentAt", "endsAt", "formKey", "id", "lat", "lon", "organiser", "progressChatId", "progressMessageId", "publishedAt", "revision", "startsAt", "status", "title", "venueAddress", "venueName") SELECT "agenda", "cancelledAt", "cityWide", "createdAt", "createdById", "description", "digestSentAt", "endsAt", "formKey", "id", "lat", "lon", "organiser", "progressChatId", "progressMessageId", "publishedAt", "revision", "startsAt", "status", "title", "venueAddress", "venueName" FROM "Meeting";
DROP TABLE "Meeting";
ALTER TABLE "new_Meeting" RENAME TO "Meeting";
CREATE UNIQUE INDEX "Meeting_formKey_key" ON "Meeting"("formKey");
CREATE INDEX "Meeting_status_startsAt_idx" ON "Meeting"("status", "startsAt");
CREATE TABLE "new_MeetingRsvp" (
    "meetingId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("meetingId", "userId"),
    CONSTRAINT "MeetingRsvp_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_MeetingRsvp" ("createdAt", "meetingId", "userId") SELECT "createdAt", "meetingId", "userId" FROM "MeetingRsvp";
DROP TABLE "MeetingRsvp";
ALTER TABLE "new_MeetingRsvp" RENAME TO "MeetingRsvp";
CREATE TABLE "new_MeetingQuestion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "meetingId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "MeetingQuestion_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_MeetingQuestion" ("createdAt", "id", "meetingId", "text", "userId") SELECT "createdAt", "id", "meetingId", "text", "userId" FROM "MeetingQuestion";
DROP TABLE "MeetingQuestion";
ALTER TABLE "new_MeetingQuestion" RENAME TO "MeetingQuestion";
CREATE TABLE "new_MeetingReminder" (
    "meetingId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL,

    PRIMARY KEY ("meetingId", "key"),
    CONSTRAINT "MeetingReminder_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_MeetingReminder" ("key", "meetingId", "sentAt") SELECT "key", "meetingId", "sentAt" FROM "MeetingReminder";
DROP TABLE "MeetingReminder";
ALTER TABLE "new_MeetingReminder" RENAME TO "MeetingReminder";
CREATE TABLE "new_Subscription" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "scope" TEXT NOT NULL,
    "districtId" INTEGER,
    "createdAt" DATETIME NOT NULL
);
INSERT INTO "new_Subscription" ("createdAt", "districtId", "id", "scope", "userId") SELECT "createdAt", "districtId", "id", "scope", "userId" FROM "Subscription";
DROP TABLE "Subscription";
ALTER TABLE "new_Subscription" RENAME TO "Subscription";
CREATE INDEX "Subscription_districtId_idx" ON "Subscription"("districtId");
CREATE UNIQUE INDEX "Subscription_userId_scope_key" ON "Subscription"("userId", "scope");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- One date encoding
UPDATE "User" SET "firstSeen" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "firstSeen") WHERE typeof("firstSeen") = 'text' AND "firstSeen" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "User" SET "lastSeen" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "lastSeen") WHERE typeof("lastSeen") = 'text' AND "lastSeen" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "User" SET "savedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "savedAt") WHERE typeof("savedAt") = 'text' AND "savedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "ConversationState" SET "updatedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "updatedAt") WHERE typeof("updatedAt") = 'text' AND "updatedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Report" SET "firstReviewedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "firstReviewedAt") WHERE typeof("firstReviewedAt") = 'text' AND "firstReviewedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Report" SET "verifiedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "verifiedAt") WHERE typeof("verifiedAt") = 'text' AND "verifiedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Report" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Report" SET "updatedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "updatedAt") WHERE typeof("updatedAt") = 'text' AND "updatedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "ReportEvent" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "ReportEvent" SET "notifiedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "notifiedAt") WHERE typeof("notifiedAt") = 'text' AND "notifiedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "ReportReminder" SET "sentAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "sentAt") WHERE typeof("sentAt") = 'text' AND "sentAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "ReportFollower" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "GeocodeCache" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "InboxUpdate" SET "receivedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "receivedAt") WHERE typeof("receivedAt") = 'text' AND "receivedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "OfficerLinkCode" SET "expiresAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "expiresAt") WHERE typeof("expiresAt") = 'text' AND "expiresAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "OfficerLinkCode" SET "usedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "usedAt") WHERE typeof("usedAt") = 'text' AND "usedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "OfficerLinkCode" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Delivery" SET "notBefore" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "notBefore") WHERE typeof("notBefore") = 'text' AND "notBefore" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Delivery" SET "sentAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "sentAt") WHERE typeof("sentAt") = 'text' AND "sentAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Delivery" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "startsAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "startsAt") WHERE typeof("startsAt") = 'text' AND "startsAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "endsAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "endsAt") WHERE typeof("endsAt") = 'text' AND "endsAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "publishedAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "publishedAt") WHERE typeof("publishedAt") = 'text' AND "publishedAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "cancelledAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "cancelledAt") WHERE typeof("cancelledAt") = 'text' AND "cancelledAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Meeting" SET "digestSentAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "digestSentAt") WHERE typeof("digestSentAt") = 'text' AND "digestSentAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "MeetingRsvp" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "MeetingQuestion" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "MeetingReminder" SET "sentAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "sentAt") WHERE typeof("sentAt") = 'text' AND "sentAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
UPDATE "Subscription" SET "createdAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "createdAt") WHERE typeof("createdAt") = 'text' AND "createdAt" NOT LIKE '____-__-__T__:__:__.___+00:00';
