import { preparedQuery, type Database, type Queryable } from "./connection.js";

/** Geocoding answers by request key (the Nominatim policy asks for caching); values are JSON. */
/**
 * `askedBy` is the user (internal id) whose typed words the key carries: the cache records it, so deleting that
 * user's data can purge them (see `purgeGeocodeKeysOf`). Passed along, not read from an AsyncLocalStorage: on
 * Node 20 that puts a hook on every promise of every update (an eighth of the allocations of a /start).
 */
export interface GeocodeCache {
  get(key: string, askedBy?: number): Promise<string | undefined>;
  /** Keeps the first answer for a key: a later one for the same key is ignored. */
  put(key: string, value: string, now: Date, askedBy?: number): Promise<void>;
}

/** Typed searches carry the resident's own words: a hit on one is recorded too (they typed it again). */
/** Read for every pin (its reverse lookup): prepared (see db/connection.ts). */
const cachedAnswer = preparedQuery((db, key: string) => db.selectFrom("GeocodeCache").select("value").where("key", "=", key));

const isTyped = (key: string) => key.startsWith("search:");

/** The GeocodeCache table: every pin reads it. */
export class DbGeocodeCache implements GeocodeCache {
  constructor(private readonly db: Database) {}

  async get(key: string, userId?: number): Promise<string | undefined> {
    const value = (await cachedAnswer(this.db, key))[0]?.value;
    // A pin's reverse lookup (every pin) stays a pure read; only typed searches are worth a write.
    if (value !== undefined && userId !== undefined && isTyped(key)) void recordUse(this.db, key, userId).catch(() => undefined);
    return value;
  }

  async put(key: string, value: string, now: Date, userId?: number): Promise<void> {
    const write = async (db: Queryable) => {
      await db
        .insertInto("GeocodeCache")
        .values({ key, value, createdAt: now })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      if (userId !== undefined) await recordUse(db, key, userId);
    };
    if (userId === undefined) await write(this.db);
    else await this.db.transaction().execute(write);
  }
}

/** Records that `userId` caused (or typed again) the search behind `key`. */
async function recordUse(db: Queryable, key: string, userId: number): Promise<void> {
  await db
    .insertInto("GeocodeCacheUse")
    .values({ key, userId })
    .onConflict((oc) => oc.columns(["key", "userId"]).doNothing())
    .execute();
}

/** For "Usuń moje dane" (services/privacy.ts), inside its transaction: every cached answer whose key this user caused, whoever else asked the same since. */
export async function purgeGeocodeKeysOf(tx: Queryable, userId: number): Promise<void> {
  const keysOfUser = tx.selectFrom("GeocodeCacheUse").select("key").where("userId", "=", userId);
  await tx.deleteFrom("GeocodeCache").where("key", "in", keysOfUser).execute();
  await tx.deleteFrom("GeocodeCacheUse").where("key", "in", keysOfUser).execute();
}
