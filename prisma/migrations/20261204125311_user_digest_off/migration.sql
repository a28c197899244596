-- AlterTable (ADD COLUMN rather than Prisma's table rebuild: the same table, and no DROP of "User" under foreign keys)
ALTER TABLE "User" ADD COLUMN "digestOff" BOOLEAN NOT NULL DEFAULT false;
