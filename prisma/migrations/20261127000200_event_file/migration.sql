-- AlterTable
ALTER TABLE "ReportEvent" ADD COLUMN "fileId" TEXT;

