-- The new-meeting form that created a meeting: publishing is idempotent on it (a replayed tap after a crash).
-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN "formKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Meeting_formKey_key" ON "Meeting"("formKey");
