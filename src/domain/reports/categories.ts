/**
 * The 24 KMZB categories (Wytyczne KGP, list of 2022), stored by stable code. Categories are data:
 * the list changed four times since 2016, so nothing in the logic depends on a particular code
 * except through the flags below. Display names live in locales/ under `categories.<code>`.
 */
export interface Category {
  code: string;
  /** The exact string used by the live KMZB service. */
  kmzbName: string;
  group: CategoryGroup;
  /** KMZB requires a description for this category. */
  requiresDescription: boolean;
  /** never: not shown publicly; confirmed: only once confirmed; always: public. */
  publicVisibility: "always" | "confirmed" | "never";
}

export type CategoryGroup = "traffic" | "order" | "environment";

const c = (
  code: string,
  kmzbName: string,
  group: CategoryGroup,
  extra: Partial<Pick<Category, "requiresDescription" | "publicVisibility">> = {},
): Category => ({ code, kmzbName, group, requiresDescription: false, publicVisibility: "always", ...extra });

export const CATEGORIES: readonly Category[] = [
  c("vandalism", "Akty wandalizmu", "order"),
  c("illegal_dumping", "Dzikie wysypiska śmieci", "environment"),
  c("minors_demoralisation", "Grupowanie się małoletnich zagrożonych demoralizacją", "order"),
  c("poaching", "Kłusownictwo", "environment"),
  c("dangerous_waters", "Miejsca niebezpieczne na wodach", "environment"),
  c("dangerous_entertainment", "Miejsce niebezpiecznej działalności rozrywkowej", "order", {
    requiresDescription: true,
    publicVisibility: "confirmed",
  }),
  c("illegal_tree_felling", "Nielegalna wycinka drzew", "environment"),
  c("illegal_racing", "Nielegalne rajdy samochodowe", "traffic"),
  c("parking", "Nieprawidłowe parkowanie", "traffic"),
  c("unguarded_track_crossing", "Niestrzeżone przejście przez tory", "traffic"),
  c("unguarded_level_crossing", "Niestrzeżony przejazd kolejowy", "traffic"),
  c("road_infrastructure", "Niewłaściwa infrastruktura drogowa", "traffic"),
  c("greenery_destruction", "Niszczenie zieleni", "environment"),
  c("homeless_person", "Osoba bezdomna wymagająca pomocy", "order"),
  c("quads_in_forest", "Poruszanie się po terenach leśnych quadami", "environment"),
  c("speeding", "Przekraczanie dozwolonej prędkości", "traffic"),
  c("alcohol", "Spożywanie alkoholu w miejscach niedozwolonych", "order"),
  c("drugs", "Używanie środków odurzających", "order", { publicVisibility: "never" }),
  c("stray_dogs", "Wałęsające się bezpańskie psy", "environment"),
  c("grass_burning", "Wypalanie traw", "environment"),
  c("forest_animal_accidents", "Zdarzenia drogowe z udziałem zwierząt leśnych", "traffic"),
  c("animal_cruelty", "Znęcanie się nad zwierzętami", "environment", { publicVisibility: "never" }),
  c("traffic_organisation", "Zła organizacja ruchu drogowego", "traffic"),
  c("begging", "Żebractwo", "order"),
];

/** Road traffic and alcohol are ~70 % of KMZB reports: these come first, where a thumb finds them. */
export const MOST_REPORTED: readonly string[] = ["speeding", "parking", "alcohol", "road_infrastructure"];

export const CATEGORY_GROUPS: readonly CategoryGroup[] = ["traffic", "order", "environment"];

const byCode = new Map(CATEGORIES.map((cat) => [cat.code, cat]));

export function findCategory(code: string): Category | undefined {
  return byCode.get(code);
}

/** A group's categories, the most reported first, then alphabetically by their Polish name. */
export function categoriesInGroup(group: CategoryGroup): Category[] {
  const rank = (cat: Category) => {
    const i = MOST_REPORTED.indexOf(cat.code);
    return i === -1 ? MOST_REPORTED.length : i;
  };
  return CATEGORIES.filter((cat) => cat.group === group).sort((a, b) => rank(a) - rank(b) || a.kmzbName.localeCompare(b.kmzbName, "pl"));
}
