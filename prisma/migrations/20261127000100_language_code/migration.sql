-- AlterTable
ALTER TABLE "User" ADD COLUMN "languageCode" TEXT;

