import type { FakeChat, FakeUser } from "../emulator/fakeTelegram.js";

/** The moderators' group: the coordinator reads new reports there (MODERATION_CHAT_ID). */
export const MODERATION_CHAT: FakeChat & { title: string } = {
  id: -1001000000001,
  type: "supergroup",
  title: "Moderatorzy · KMP Bielsko-Biała",
};

export interface Persona {
  /** Stable key used by the page and the API (`?persona=anna`). */
  key: string;
  user: FakeUser;
  /** What the persona is, shown under the name. */
  role: string;
  /** One line for the persona picker: what to try as this person. */
  hint: string;
  /** Chats the persona sees, the private chat with the bot first. */
  chats: FakeChat[];
}

const privateChat = (user: FakeUser): FakeChat => ({ id: user.id, type: "private" });

function persona(key: string, user: FakeUser, role: string, hint: string, groups: FakeChat[] = []): Persona {
  return { key, user, role, hint, chats: [privateChat(user), ...groups] };
}

// Ids look like real Telegram user ids; they only need to be stable between runs (the database keeps them).
export const PERSONAS: readonly Persona[] = [
  persona(
    "anna",
    { id: 710000001, first_name: "Anna", last_name: "Kowalczyk", username: "anna_bb", language_code: "pl" },
    "Mieszkanka",
    "Zgłasza zagrożenie kliknięciem na mapie i śledzi jego status.",
  ),
  persona(
    "bohdan",
    { id: 710000002, first_name: "Bohdan", last_name: "Melnyk", language_code: "pl" },
    "Mieszkaniec",
    "Zmienia język na ukraiński, szuka dzielnicowego, zapisuje się na spotkania.",
  ),
  persona(
    "celina",
    { id: 710000003, first_name: "Celina", last_name: "Zając", username: "koordynator_kmp", language_code: "pl" },
    "Koordynatorka",
    "Administratorka: moderuje zgłoszenia w grupie i ogłasza spotkania.",
    [MODERATION_CHAT],
  ),
  persona(
    "oskar",
    { id: 710000004, first_name: "Oskar", last_name: "Wrona", language_code: "pl" },
    "Dzielnicowy",
    "Policjant: potwierdza zgłoszenia ze swojego rejonu.",
  ),
];

export const COORDINATOR = PERSONAS.find((p) => p.key === "celina")!;
export const OFFICER = PERSONAS.find((p) => p.key === "oskar")!;

export function personaByKey(key: unknown): Persona | undefined {
  return PERSONAS.find((p) => p.key === key);
}

/** Where the officer persona serves: the sample district containing this point (Śródmieście Bielsko). */
export const OFFICER_HOME = { lat: 49.8225, lon: 19.0444 };
