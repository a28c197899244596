-- AlterTable
ALTER TABLE "InboxUpdate" ADD COLUMN "chatKey" TEXT;

-- CreateIndex
CREATE INDEX "InboxUpdate_chatKey_updateId_idx" ON "InboxUpdate"("chatKey", "updateId");

