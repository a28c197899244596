import type { Database } from "../db/connection.js";

/** "Mój adres": a place the resident saved, with their consent, for one-tap officer lookups (deleted in Settings). */
export interface SavedAddress {
  lat: number;
  lon: number;
  label: string;
}

export async function savedAddressOf(db: Database, telegramId: number): Promise<SavedAddress | null> {
  const u = await db.selectFrom("User").select(["savedLat", "savedLon", "savedLabel"]).where("telegramId", "=", telegramId).executeTakeFirst();
  return u?.savedLat != null && u.savedLon != null ? { lat: u.savedLat, lon: u.savedLon, label: u.savedLabel ?? "" } : null;
}

export async function saveAddress(db: Database, input: { userId: number; lat: number; lon: number; label: string | null; now: Date }): Promise<void> {
  await db
    .updateTable("User")
    .set({ savedLat: input.lat, savedLon: input.lon, savedLabel: input.label, savedAt: input.now })
    .where("id", "=", input.userId)
    .execute();
}

export async function forgetAddress(db: Database, userId: number): Promise<void> {
  await db.updateTable("User").set({ savedLat: null, savedLon: null, savedLabel: null, savedAt: null }).where("id", "=", userId).execute();
}
