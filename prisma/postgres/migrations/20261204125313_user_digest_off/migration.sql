-- AlterTable
ALTER TABLE "User" ADD COLUMN     "digestOff" BOOLEAN NOT NULL DEFAULT false;
