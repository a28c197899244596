/**
 * Hand-written content of the sample data: units, fictional officers, priority plans, address rules.
 * Everything here except the Komenda Miejska's address and phone numbers is invented for the sample.
 */

export const SAMPLE_NOTE = {
  pl:
    "Dane przykładowe. Granice rejonów służbowych wyznaczono automatycznie (komórki Woronoja wokół " +
    "przybliżonych środków osiedli, przycięte do uproszczonej granicy miasta; w powiecie – uproszczone " +
    "granice gmin). Dzielnicowi to osoby fikcyjne; ich telefony i adresy e-mail oraz adresy i telefony " +
    "komisariatów i posterunków są przykładowe. Prawdziwe są tylko adres i numery telefonów Komendy " +
    "Miejskiej Policji w Bielsku-Białej. Nie używać do ustalania rzeczywistego dzielnicowego.",
  en:
    "Sample data. District boundaries are generated (Voronoi cells around approximate osiedle centres, " +
    "clipped to the simplified city boundary; in the county, simplified gmina boundaries). The officers " +
    "are fictional people; their phones and e-mail addresses, and the addresses and phones of the " +
    "komisariaty/posterunki, are samples. Only the address and phone numbers of the Komenda Miejska " +
    "Policji w Bielsku-Białej are real. Do not use this to find a real district officer.",
};

export type UnitKind = "komenda" | "komisariat" | "posterunek";

export interface SampleUnit {
  code: string;
  kind: UnitKind;
  name: string;
  address: string;
  lat: number;
  lon: number;
  switchboardPhone: string;
  dutyPhone: string;
  /** false only for the real, published Komenda Miejska entry. */
  sample: boolean;
}

/**
 * Sample phone numbers of the komisariaty use "+48 33 000 …": Polish subscriber numbers never start
 * with 0, so they look right but can never reach anybody.
 */
export const UNITS: SampleUnit[] = [
  {
    code: "KMP",
    kind: "komenda",
    name: "Komenda Miejska Policji w Bielsku-Białej",
    address: "ul. Wapienna 45, 43-300 Bielsko-Biała",
    lat: 49.8157,
    lon: 19.0416,
    switchboardPhone: "+48 33 812 12 00",
    dutyPhone: "+48 33 812 12 55",
    sample: false,
  },
  {
    code: "KP1",
    kind: "komisariat",
    name: "Komisariat Policji I w Bielsku-Białej",
    address: "ul. Przykładowa 1, 43-300 Bielsko-Biała",
    lat: 49.8214,
    lon: 19.0265,
    switchboardPhone: "+48 33 000 11 00",
    dutyPhone: "+48 33 000 11 55",
    sample: true,
  },
  {
    code: "KP2",
    kind: "komisariat",
    name: "Komisariat Policji II w Bielsku-Białej",
    address: "ul. Przykładowa 2, 43-300 Bielsko-Biała",
    lat: 49.8262,
    lon: 19.0587,
    switchboardPhone: "+48 33 000 12 00",
    dutyPhone: "+48 33 000 12 55",
    sample: true,
  },
  {
    code: "KPCD",
    kind: "komisariat",
    name: "Komisariat Policji w Czechowicach-Dziedzicach",
    address: "ul. Przykładowa 3, 43-500 Czechowice-Dziedzice",
    lat: 49.9125,
    lon: 19.0072,
    switchboardPhone: "+48 33 000 13 00",
    dutyPhone: "+48 33 000 13 55",
    sample: true,
  },
  {
    code: "KPSZ",
    kind: "komisariat",
    name: "Komisariat Policji w Szczyrku",
    address: "ul. Przykładowa 4, 43-370 Szczyrk",
    lat: 49.7185,
    lon: 19.0313,
    switchboardPhone: "+48 33 000 14 00",
    dutyPhone: "+48 33 000 14 55",
    sample: true,
  },
  {
    code: "PPJ",
    kind: "posterunek",
    name: "Posterunek Policji w Jasienicy",
    address: "ul. Przykładowa 5, 43-385 Jasienica",
    lat: 49.8279,
    lon: 18.9365,
    switchboardPhone: "+48 33 000 15 00",
    dutyPhone: "+48 33 000 15 55",
    sample: true,
  },
];

/** Osiedla on the Biała side of the river (served by Komisariat II); the rest by Komisariat I. */
export const BIALA_SIDE = new Set([
  "Biała Krakowska",
  "Biała Śródmieście",
  "Biała Północ",
  "Biała Wschód",
  "Hałcnów",
  "Komorowice Krakowskie",
  "Leszczyny",
  "Lipnik",
  "Mikuszowice Krakowskie",
  "Osiedle Grunwaldzkie",
  "Straconka",
  "Złote Łany",
]);

/** Unit of each county gmina. */
export const GMINA_UNIT: Record<string, string> = {
  Bestwina: "KPCD",
  "Czechowice-Dziedzice": "KPCD",
  Wilamowice: "KPCD",
  Jasienica: "PPJ",
  Jaworze: "PPJ",
  Szczyrk: "KPSZ",
  Buczkowice: "KPSZ",
  Wilkowice: "KPSZ",
  Kozy: "KP2",
  Porąbka: "KP2",
};

/** Gminy split into two districts (north/south) because they are large. */
export const SPLIT_GMINY = new Set(["Czechowice-Dziedzice", "Jasienica"]);

/** Pairs of small districts (by name) that share one officer. */
export const SHARED_OFFICER: [string, string][] = [["Gmina Buczkowice", "Gmina Szczyrk"]];

/** Fictional officers: plain, common Polish names; any resemblance to real people is accidental. */
export const OFFICER_NAMES: [string, string][] = [
  ["Anna", "Nowak"],
  ["Piotr", "Kowalski"],
  ["Katarzyna", "Wiśniewska"],
  ["Tomasz", "Wójcik"],
  ["Agnieszka", "Kowalczyk"],
  ["Marcin", "Kamiński"],
  ["Magdalena", "Lewandowska"],
  ["Michał", "Zieliński"],
  ["Joanna", "Szymańska"],
  ["Krzysztof", "Woźniak"],
  ["Monika", "Dąbrowska"],
  ["Paweł", "Kozłowski"],
  ["Ewa", "Jankowska"],
  ["Łukasz", "Mazur"],
  ["Barbara", "Kwiatkowska"],
  ["Grzegorz", "Krawczyk"],
  ["Aleksandra", "Piotrowska"],
  ["Rafał", "Grabowski"],
  ["Karolina", "Nowakowska"],
  ["Jakub", "Pawłowski"],
  ["Natalia", "Michalska"],
  ["Adam", "Nowicki"],
  ["Justyna", "Adamczyk"],
  ["Dawid", "Dudek"],
  ["Marta", "Zając"],
  ["Mateusz", "Wieczorek"],
  ["Dorota", "Jabłońska"],
  ["Sebastian", "Król"],
  ["Iwona", "Majewska"],
  ["Bartosz", "Olszewski"],
  ["Sylwia", "Jaworska"],
  ["Kamil", "Wróbel"],
  ["Renata", "Malinowska"],
  ["Przemysław", "Pawlak"],
  ["Beata", "Witkowska"],
  ["Wojciech", "Walczak"],
  ["Elżbieta", "Stępień"],
  ["Damian", "Górski"],
  ["Aneta", "Rutkowska"],
  ["Szymon", "Michalak"],
  ["Izabela", "Sikora"],
];

export const RANKS = ["st. asp.", "asp.", "mł. asp.", "sierż. szt.", "st. sierż.", "asp. szt."];

const DAYS = ["pon.", "wt.", "śr.", "czw."];
const SHIFTS = ["7:30–15:30", "8:00–16:00", "7:00–15:00"];

/** Working and office hours of officer n (1-based), varied deterministically. */
export function dutyHours(n: number, unitName: string): string {
  const day = DAYS[n % DAYS.length]!;
  const shift = SHIFTS[n % SHIFTS.length]!;
  const from = 15 + (n % 2);
  return `pon.–pt. ${shift}; dyżur: ${day} ${from}:00–${from + 2}:00 – ${unitName}`;
}

export interface PlanText {
  threat: string;
  goal: string;
  actions: string[];
}

type Theme = (where: string) => PlanText;

/** Priority-plan themes in KMZB vocabulary; `where` is e.g. "w rejonie służbowym nr 12 (Lipnik)". */
const THEMES: Record<string, Theme> = {
  alkohol: (w) => ({
    threat: `Spożywanie alkoholu w miejscach niedozwolonych ${w}, zwłaszcza wieczorami przy placach zabaw i ławkach między blokami.`,
    goal: "Ograniczenie spożywania alkoholu w miejscach publicznych i związanych z tym zakłóceń porządku.",
    actions: [
      "Wspólne patrole ze Strażą Miejską w piątki i soboty w godzinach 18:00–22:00.",
      "Spotkanie z zarządcą osiedla w sprawie oświetlenia i monitoringu miejsc zgłaszanych przez mieszkańców.",
      "Bieżące reagowanie na zgłoszenia z Krajowej Mapy Zagrożeń Bezpieczeństwa.",
    ],
  }),
  parkowanie: (w) => ({
    threat: `Nieprawidłowe parkowanie ${w}: samochody na chodnikach i trawnikach utrudniają przejście pieszym i dojazd służb ratunkowych.`,
    goal: "Zapewnienie przejezdności dróg pożarowych i bezpiecznego przejścia dla pieszych.",
    actions: [
      "Kontrole prawidłowości parkowania w godzinach wieczornych.",
      "Rozmowy z mieszkańcami i ulotki o zasadach parkowania.",
      "Wniosek do zarządcy drogi o oznakowanie miejsc postojowych.",
    ],
  }),
  predkosc: (w) => ({
    threat: `Przekraczanie dozwolonej prędkości na drogach przelotowych ${w}, w pobliżu przejść dla pieszych i szkół.`,
    goal: "Zmniejszenie liczby kierujących przekraczających prędkość w rejonie przejść dla pieszych.",
    actions: [
      "Kontrole prędkości wspólnie z Wydziałem Ruchu Drogowego.",
      "Pogadanki o bezpieczeństwie w ruchu drogowym w szkołach podstawowych.",
      "Analiza zgłoszeń z KMZB i przekazanie wniosków zarządcy drogi.",
    ],
  }),
  wandalizm: (w) => ({
    threat: `Akty wandalizmu ${w}: niszczenie wiat przystankowych, ławek i elewacji (graffiti).`,
    goal: "Ograniczenie aktów wandalizmu i szybsze ustalanie sprawców.",
    actions: [
      "Częstsze patrole w rejonie przystanków w godzinach nocnych.",
      "Współpraca z zarządcami budynków w zakresie monitoringu.",
      "Spotkania profilaktyczne z młodzieżą w szkołach.",
    ],
  }),
  mlodziez: (w) => ({
    threat: `Grupowanie się małoletnich zagrożonych demoralizacją ${w}, w rejonie szkół i sklepów całodobowych.`,
    goal: "Ograniczenie zachowań ryzykownych wśród młodzieży i zakłóceń ciszy nocnej.",
    actions: [
      "Patrole w rejonie szkół i sklepów w godzinach popołudniowych i wieczornych.",
      "Współpraca z pedagogami szkolnymi i ośrodkiem pomocy społecznej.",
      "Kontrole sprzedaży alkoholu nieletnim.",
    ],
  }),
  bezdomni: (w) => ({
    threat: `Osoby bezdomne wymagające pomocy ${w}, szczególnie w okresie jesienno-zimowym.`,
    goal: "Zapobieganie wychłodzeniom i zapewnienie osobom bezdomnym dostępu do pomocy.",
    actions: [
      "Regularne sprawdzanie miejsc przebywania osób bezdomnych przy spadkach temperatury.",
      "Współpraca z ośrodkiem pomocy społecznej i organizacjami pozarządowymi.",
      "Informowanie o schroniskach i punktach pomocy.",
    ],
  }),
  wysypiska: (w) => ({
    threat: `Dzikie wysypiska śmieci ${w}, na skraju lasów i przy drogach polnych.`,
    goal: "Likwidacja istniejących dzikich wysypisk i ustalanie osób wyrzucających odpady.",
    actions: [
      "Kontrole miejsc zgłaszanych przez mieszkańców.",
      "Przekazywanie informacji do urzędu gminy w celu uprzątnięcia terenu.",
      "Wspólne działania ze strażą leśną.",
    ],
  }),
  quady: (w) => ({
    threat: `Poruszanie się po terenach leśnych quadami i motocyklami crossowymi ${w}.`,
    goal: "Ograniczenie nielegalnego ruchu pojazdów silnikowych w lasach i na szlakach turystycznych.",
    actions: [
      "Wspólne patrole ze Strażą Leśną w weekendy.",
      "Kontrole parkingów przy wjazdach na szlaki.",
      "Oznakowanie dróg leśnych we współpracy z nadleśnictwem.",
    ],
  }),
  tory: (w) => ({
    threat: `Niestrzeżone przejścia przez tory ${w}: piesi skracają drogę przez teren kolejowy.`,
    goal: "Zmniejszenie liczby osób przechodzących przez tory w miejscach niedozwolonych.",
    actions: [
      "Wspólne patrole ze Strażą Ochrony Kolei.",
      "Zajęcia o bezpieczeństwie przy torach w szkołach.",
      "Wniosek do zarządcy infrastruktury o wygrodzenie miejsc przejść.",
    ],
  }),
  woda: (w) => ({
    threat: `Miejsca niebezpieczne na wodach ${w}: kąpiel i wędkowanie w miejscach niedozwolonych, alkohol nad wodą.`,
    goal: "Poprawa bezpieczeństwa nad wodą poza sezonem i przygotowanie do sezonu.",
    actions: [
      "Kontrole brzegów zbiornika z WOPR w weekendy.",
      "Ulotki o zakazie wchodzenia na lód w okresie zimowym.",
      "Współpraca z gminą przy oznakowaniu miejsc niebezpiecznych.",
    ],
  }),
  zwierzeta: (w) => ({
    threat: `Zdarzenia drogowe z udziałem zwierząt leśnych ${w}, zwłaszcza o zmroku jesienią.`,
    goal: "Zmniejszenie liczby kolizji z dzikimi zwierzętami.",
    actions: [
      "Wniosek do zarządcy drogi o znaki ostrzegawcze i odblaski odstraszające.",
      "Kontrole prędkości w miejscach częstych kolizji.",
      "Współpraca z kołami łowieckimi.",
    ],
  }),
  rajdy: (w) => ({
    threat: `Nielegalne rajdy samochodowe ${w}, nocą na parkingach sklepów wielkopowierzchniowych.`,
    goal: "Wyeliminowanie nocnych popisów samochodowych i związanego z nimi hałasu.",
    actions: [
      "Patrole parkingów w nocy z piątku na sobotę.",
      "Współpraca z zarządcami parkingów (szlabany, monitoring).",
      "Kontrole stanu technicznego pojazdów.",
    ],
  }),
  psy: (w) => ({
    threat: `Wałęsające się bezpańskie psy ${w}, zagrażające dzieciom w drodze do szkoły.`,
    goal: "Ograniczenie liczby psów puszczanych luzem i wałęsających się bez opieki.",
    actions: [
      "Ustalanie właścicieli psów puszczanych luzem.",
      "Współpraca ze schroniskiem i urzędem w zakresie wyłapywania zwierząt.",
      "Informowanie mieszkańców o obowiązkach właścicieli psów.",
    ],
  }),
};

/** Theme of each district's sample plan, by district name (chosen for the kind of place, not from real data). */
export const PLAN_THEME: Record<string, keyof typeof THEMES> = {
  Aleksandrowice: "predkosc",
  "Biała Krakowska": "parkowanie",
  "Biała Śródmieście": "alkohol",
  "Biała Północ": "rajdy",
  "Biała Wschód": "wandalizm",
  "Bielsko Południe": "mlodziez",
  "Dolne Przedmieście": "bezdomni",
  "Górne Przedmieście": "alkohol",
  Hałcnów: "predkosc",
  Kamienica: "quady",
  "Komorowice Krakowskie": "rajdy",
  "Komorowice Śląskie": "wysypiska",
  Leszczyny: "parkowanie",
  Lipnik: "mlodziez",
  "Mikuszowice Krakowskie": "quady",
  "Mikuszowice Śląskie": "predkosc",
  "Osiedle Beskidzkie": "parkowanie",
  "Osiedle Grunwaldzkie": "alkohol",
  "Osiedle Karpackie": "wandalizm",
  "Osiedle Kopernika": "mlodziez",
  "Osiedle Mieszka I": "parkowanie",
  "Osiedle Piastowskie": "alkohol",
  "Osiedle Polskich Skrzydeł": "wandalizm",
  "Osiedle Słoneczne": "parkowanie",
  "Osiedle Wojska Polskiego": "mlodziez",
  "Stare Bielsko": "predkosc",
  Straconka: "quady",
  "Śródmieście Bielsko": "bezdomni",
  Wapienica: "wysypiska",
  "Złote Łany": "alkohol",
  "Gmina Bestwina": "woda",
  "Gmina Buczkowice": "quady",
  "Gmina Czechowice-Dziedzice – północ": "tory",
  "Gmina Czechowice-Dziedzice – południe": "predkosc",
  "Gmina Jasienica – północ": "zwierzeta",
  "Gmina Jasienica – południe": "wysypiska",
  "Gmina Jaworze": "predkosc",
  "Gmina Kozy": "psy",
  "Gmina Porąbka": "woda",
  "Gmina Szczyrk": "quady",
  "Gmina Wilamowice": "zwierzeta",
  "Gmina Wilkowice": "wysypiska",
};

export const PLAN_PERIOD = "2026-08-01/2027-01-31";

export function planFor(districtName: string, number: string): PlanText {
  const theme = PLAN_THEME[districtName];
  if (!theme) throw new Error(`no plan theme for district "${districtName}"`);
  return THEMES[theme]!(`w rejonie służbowym nr ${number} (${districtName})`);
}

/**
 * Villages of the gminy that stay one district (all are villages of that gmina); the split gminy get
 * no village rules because the sample's north/south line is arbitrary.
 */
export const GMINA_VILLAGES: Record<string, string[]> = {
  Bestwina: ["Bestwina", "Bestwinka", "Janowice", "Kaniów"],
  Buczkowice: ["Buczkowice", "Godziszka", "Kalna", "Rybarzowice"],
  Jaworze: ["Jaworze"],
  Kozy: ["Kozy"],
  Porąbka: ["Porąbka", "Bujaków", "Czaniec", "Kobiernice"],
  Szczyrk: ["Szczyrk"],
  Wilamowice: ["Wilamowice", "Dankowice", "Hecznarowice", "Pisarzowice", "Stara Wieś"],
  Wilkowice: ["Wilkowice", "Bystra", "Meszna"],
};

/**
 * Sample range/street rules in the city: each sample rule sends a stretch of a real street to the
 * district that holds the street's reference point in bielsko-biala-places.json (the house-number
 * ranges are invented).
 */
export const CITY_STREET_RULES: {
  street: string;
  at: [number, number];
  kind: "range" | "street";
  from?: number;
  to?: number;
  parity?: "even" | "odd" | "all";
}[] = [
  { street: "ul. Wapienna", at: [19.0416, 49.8157], kind: "range", from: 1, to: 60, parity: "all" },
  { street: "ul. Karpacka", at: [19.01949, 49.80165], kind: "range", from: 1, to: 99, parity: "odd" },
  { street: "ul. Karpacka", at: [19.01949, 49.80165], kind: "range", from: 2, to: 98, parity: "even" },
  { street: "ul. Partyzantów", at: [19.0477, 49.8042], kind: "range", from: 40, to: 90, parity: "all" },
  { street: "ul. Olimpijska", at: [19.04271, 49.85298], kind: "street" },
  { street: "ul. 3 Maja", at: [19.0449, 49.8256], kind: "street" },
  { street: "ul. 11 Listopada", at: [19.049167, 49.823056], kind: "range", from: 1, to: 40, parity: "all" },
];
