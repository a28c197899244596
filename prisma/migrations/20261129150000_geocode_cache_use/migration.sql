-- CreateTable
CREATE TABLE "GeocodeCacheUse" (
    "key" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,

    PRIMARY KEY ("key", "userId")
);

-- CreateIndex
CREATE INDEX "GeocodeCacheUse_userId_idx" ON "GeocodeCacheUse"("userId");

