-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN "feedbackAskedAt" DATETIME;
ALTER TABLE "Meeting" ADD COLUMN "feedbackSummaryAt" DATETIME;
ALTER TABLE "Meeting" ADD COLUMN "summarySentAt" DATETIME;

-- CreateTable
CREATE TABLE "MeetingFeedback" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "meetingId" INTEGER NOT NULL,
    "userId" INTEGER,
    "rating" INTEGER,
    "comment" TEXT,
    "askedAt" DATETIME NOT NULL,
    "answeredAt" DATETIME,
    CONSTRAINT "MeetingFeedback_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Consultation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "districtId" INTEGER NOT NULL,
    "question" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "closesAt" DATETIME NOT NULL,
    "createdById" INTEGER,
    "createdAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "formKey" TEXT,
    CONSTRAINT "Consultation_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ConsultationVote" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "consultationId" INTEGER NOT NULL,
    "userId" INTEGER,
    "option" INTEGER NOT NULL,
    "text" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ConsultationVote_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable
ALTER TABLE "User" ADD COLUMN "consultOff" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "MeetingFeedback_meetingId_userId_key" ON "MeetingFeedback"("meetingId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Consultation_formKey_key" ON "Consultation"("formKey");

-- CreateIndex
CREATE INDEX "Consultation_status_closesAt_idx" ON "Consultation"("status", "closesAt");

-- CreateIndex
CREATE INDEX "Consultation_districtId_status_idx" ON "Consultation"("districtId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ConsultationVote_consultationId_userId_key" ON "ConsultationVote"("consultationId", "userId");

