// What the rest of the app asks about PostgreSQL without loading its driver.

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

/** A unique constraint refused the row. */
export function isPostgresUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "23505";
}
