import { describe, expect, it } from "vitest";
import { streetKey, streetOf } from "../../../src/domain/digest/streets.js";

describe("the street of a report's address (issue 17)", () => {
  it.each([
    // Nominatim labels (src/geocoding/addressLabel.ts)
    ["ul. Wapienna 45, Bielsko-Biała", "ul. Wapienna"],
    ["ul. Cieszyńska 10, Bielsko-Biała", "ul. Cieszyńska"],
    ["al. Armii Krajowej 12", "al. Armii Krajowej"],
    ["al. Władysława Andersa 40, Bielsko-Biała", "al. Władysława Andersa"],
    ["pl. Wojska Polskiego", "pl. Wojska Polskiego"],
    ["pl. Bolesława Chrobrego, Bielsko-Biała", "pl. Bolesława Chrobrego"],
    ["Starostwo Powiatowe w Bielsku-Białej, ul. Piastowska 40, Bielsko-Biała", "ul. Piastowska"],
    ["Bielsko-Biała Główna, ul. Warszawska 2, Bielsko-Biała", "ul. Warszawska"],
    ["Rondo Hallera, Bielsko-Biała", "Rondo Hallera"],
    ["Hałcnów, Bielsko-Biała", "Hałcnów"],
    ["Jaworze 123", "Jaworze"],
    // Nominatim's shortened display_name: house number first
    ["10, Cieszyńska, Aleksandrowice", "Cieszyńska"],
    // typed or imported
    ["Wapienna 45, 43-300 Bielsko-Biała", "Wapienna"],
    ["Osiedle Karpackie 5", "Osiedle Karpackie"],
    ["os. Karpackie 5/12, 43-316 Bielsko-Biała", "os. Karpackie"],
    ["Hałcnów", "Hałcnów"],
    ["ul. 3 Maja 12/4, Bielsko-Biała", "ul. 3 Maja"],
    ["ul. 11 Listopada 60a, 43-300 Bielsko-Biała", "ul. 11 Listopada"],
    ["ul. Jana Pawła II 5", "ul. Jana Pawła II"],
    ["ul. Wapienna 45 m. 3", "ul. Wapienna"],
    ["Sternicza 12-14", "Sternicza"],
    ["Bielsko-Biała ul.  Partyzantów  7 B", "ul. Partyzantów"],
    ["Rynek 5, Bielsko-Biała", "Rynek"],
    ["Szkoła Podstawowa nr 2, Hałcnów", "Szkoła Podstawowa nr 2"],
  ])("%s → %s", (address, street) => {
    expect(streetOf(address)).toBe(street);
  });

  it.each([
    "49,8225, 19,0444",
    "49.8225, 19.0444",
    "49,81610° N, 19,08010° E",
    // A pin's label when Nominatim did not answer, or a typed address removed: the district's name and coordinates.
    "Aleksandrowice · 49,81610° N, 19,08010° E",
    "43-300 Bielsko-Biała",
    "",
    "  ",
  ])("no street in %j", (address) => {
    expect(streetOf(address)).toBeNull();
  });

  it("groups spellings of one street and keeps different places apart", () => {
    const same = [
      ["ul. Wapienna", "Wapienna"],
      ["ul. Wapienna", "ulica  wapienna"],
      ["ul.Wapienna", "UL. WAPIENNA"],
      ["ul. Cieszyńska", "Cieszynska"],
      ["ul. Łagodna", "lagodna"],
      ["Osiedle Karpackie", "os. Karpackie"],
      ["al. Armii Krajowej", "aleja Armii Krajowej"],
      ["pl. Wojska Polskiego", "plac Wojska Polskiego"],
      ["ul. ks. Józefa Londzina", "ks Józefa Londzina"],
    ];
    for (const [a, b] of same) expect(streetKey(a!), `${a} = ${b}`).toBe(streetKey(b!));
    const different = [
      ["pl. Wojska Polskiego", "os. Wojska Polskiego"],
      ["pl. Wojska Polskiego", "ul. Wojska Polskiego"],
      ["ul. 3 Maja", "ul. 11 Listopada"],
      ["ul. Wapienna", "ul. Wapienicka"],
    ];
    for (const [a, b] of different) expect(streetKey(a!), `${a} ≠ ${b}`).not.toBe(streetKey(b!));
    expect(streetKey(streetOf("ul. Wapienna 45, Bielsko-Biała")!)).toBe(streetKey(streetOf("Wapienna 45, 43-300 Bielsko-Biała")!));
  });
});
