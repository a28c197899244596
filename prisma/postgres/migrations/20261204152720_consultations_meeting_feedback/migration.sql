-- AlterTable
ALTER TABLE "User" ADD COLUMN     "consultOff" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "feedbackAskedAt" TIMESTAMP(3),
ADD COLUMN     "feedbackSummaryAt" TIMESTAMP(3),
ADD COLUMN     "summarySentAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "MeetingFeedback" (
    "id" SERIAL NOT NULL,
    "meetingId" INTEGER NOT NULL,
    "userId" INTEGER,
    "rating" INTEGER,
    "comment" TEXT,
    "askedAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "MeetingFeedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consultation" (
    "id" SERIAL NOT NULL,
    "districtId" INTEGER NOT NULL,
    "question" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "closesAt" TIMESTAMP(3) NOT NULL,
    "createdById" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "formKey" TEXT,

    CONSTRAINT "Consultation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsultationVote" (
    "id" SERIAL NOT NULL,
    "consultationId" INTEGER NOT NULL,
    "userId" INTEGER,
    "option" INTEGER NOT NULL,
    "text" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConsultationVote_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "MeetingFeedback" ADD CONSTRAINT "MeetingFeedback_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consultation" ADD CONSTRAINT "Consultation_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsultationVote" ADD CONSTRAINT "ConsultationVote_consultationId_fkey" FOREIGN KEY ("consultationId") REFERENCES "Consultation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
