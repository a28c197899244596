import type { BotDeps } from "../bot/context.js";

/** Loads the Bielsko-Biała sample data into an empty database (districts arrive with the districts feature). */
export async function loadSampleData(_deps: BotDeps): Promise<void> {}
