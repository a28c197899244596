import { describe, expect, it } from "vitest";
import { addressLabel, polishStreet } from "../../src/geocoding/addressLabel.js";

const CITY = { city: "Bielsko-Biała", county: "powiat Bielsko-Biała", state: "województwo śląskie", postcode: "43-300", country: "Polska", country_code: "pl" };

describe("polishStreet: the street as Poles write it", () => {
  it.each([
    ["Cieszyńska", "ul. Cieszyńska"],
    ["3 Maja", "ul. 3 Maja"],
    ["Jana III Sobieskiego", "ul. Jana III Sobieskiego"],
    ["ulica Cieszyńska", "ul. Cieszyńska"],
    ["Ulica  Cieszyńska ", "ul. Cieszyńska"],
    ["aleja Władysława Andersa", "al. Władysława Andersa"],
    ["Aleja Andersa", "al. Andersa"],
    ["Aleje Jerozolimskie", "al. Jerozolimskie"],
    ["plac Bolesława Chrobrego", "pl. Bolesława Chrobrego"],
    ["Plac Chrobrego", "pl. Chrobrego"],
    ["osiedle Tysiąclecia", "os. Tysiąclecia"],
    // Already typed: kept as they are.
    ["ul. Wapienna", "ul. Wapienna"],
    ["al. Armii Krajowej", "al. Armii Krajowej"],
    ["Rondo Hallera", "Rondo Hallera"],
    ["rondo Jana Pawła II", "rondo Jana Pawła II"],
    ["Bulwary Straceńskie", "Bulwary Straceńskie"],
    ["Rynek", "Rynek"],
    ["Stary Rynek", "Stary Rynek"],
    ["Skwer Kazimierza Wielkiego", "Skwer Kazimierza Wielkiego"],
    ["Wały Chrobrego", "Wały Chrobrego"],
    // A word that only begins like a type word is a name.
    ["Plażowa", "ul. Plażowa"],
    ["Parkowa", "ul. Parkowa"],
    ["Alejowa", "ul. Alejowa"],
  ])("%s → %s", (name, expected) => {
    expect(polishStreet(name)).toBe(expected);
  });
});

describe("addressLabel: a Nominatim result as a Polish address", () => {
  it("builds street, house number and city from the address parts", () => {
    expect(
      addressLabel({
        name: "",
        display_name: "10, Cieszyńska, Aleksandrowice, Bielsko-Biała, powiat Bielsko-Biała, województwo śląskie, 43-310, Polska",
        address: { house_number: "10", road: "Cieszyńska", suburb: "Aleksandrowice", ...CITY },
      }),
    ).toBe("ul. Cieszyńska 10, Bielsko-Biała");
    expect(addressLabel({ name: "aleja Władysława Andersa", address: { road: "aleja Władysława Andersa", suburb: "Os. Karpackie", ...CITY } })).toBe(
      "al. Władysława Andersa, Bielsko-Biała",
    );
    expect(addressLabel({ address: { house_number: "45a/2", road: "Wapienna", town: "Szczyrk" } })).toBe("ul. Wapienna 45a/2, Szczyrk");
  });

  it("names a building or an osiedle first, and a square by its type", () => {
    expect(
      addressLabel({
        name: "Starostwo Powiatowe w Bielsku-Białej",
        address: { office: "Starostwo Powiatowe w Bielsku-Białej", house_number: "40", road: "Piastowska", ...CITY },
      }),
    ).toBe("Starostwo Powiatowe w Bielsku-Białej, ul. Piastowska 40, Bielsko-Biała");
    expect(addressLabel({ name: "Mikuszowice Krakowskie", address: { suburb: "Mikuszowice Krakowskie", ...CITY } })).toBe(
      "Mikuszowice Krakowskie, Bielsko-Biała",
    );
    expect(addressLabel({ name: "plac Bolesława Chrobrego", address: { square: "plac Bolesława Chrobrego", ...CITY } })).toBe(
      "pl. Bolesława Chrobrego, Bielsko-Biała",
    );
    expect(addressLabel({ name: "3 Maja / 11 Listopada", address: { road: "3 Maja", ...CITY } })).toBe("3 Maja / 11 Listopada, Bielsko-Biała");
    expect(addressLabel({ name: "Bielsko-Biała", address: { city: "Bielsko-Biała" } })).toBe("Bielsko-Biała");
  });

  it("numbers a house after its village where there are no street names", () => {
    expect(addressLabel({ name: "", address: { house_number: "123", village: "Jaworze", county: "powiat bielski" } })).toBe("Jaworze 123");
  });

  it("falls back to the first parts of display_name without usable address parts", () => {
    expect(addressLabel({ display_name: "Cieszyńska, Aleksandrowice, Bielsko-Biała, powiat Bielsko-Biała, województwo śląskie, 43-310, Polska" })).toBe(
      "Cieszyńska, Aleksandrowice, Bielsko-Biała",
    );
    expect(addressLabel({ display_name: "Gdzieś, daleko", address: "not an object" })).toBe("Gdzieś, daleko");
    expect(addressLabel({ address: { country: "Polska" } })).toBeUndefined();
  });
});
