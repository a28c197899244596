// Self-tests of the fake Nominatim, over real HTTP and through node-geocoder.
import NodeGeocoder from "node-geocoder";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeNominatim } from "../support/fakeNominatim.js";
import { defaultGazetteer, distanceKm } from "../support/gazetteer.js";

interface Place {
  place_id: number;
  licence: string;
  osm_type: string;
  osm_id: number;
  lat: string;
  lon: string;
  class: string;
  type: string;
  importance: number;
  display_name: string;
  boundingbox: string[];
  address?: Record<string, string>;
}

const UA = "Dzielnicowy-tests/1.0 (kontakt: test@example.org)";
// The city's bounding box, as the bot would pass it.
const CITY_VIEWBOX = "18.9454,49.8874,19.1253,49.7367";

let osm: FakeNominatim;

beforeEach(async () => {
  osm = await FakeNominatim.start();
});

afterEach(async () => {
  await osm.stop();
});

async function get<T>(path: string, params: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await fetch(`${osm.url}${path}?${new URLSearchParams(params).toString()}`, { headers: { "user-agent": UA } });
  return { status: res.status, body: (await res.json()) as T };
}

const search = async (q: string, extra: Record<string, string> = {}) =>
  (await get<Place[]>("/search", { q, format: "json", countrycodes: "pl", addressdetails: "1", ...extra })).body;

describe("gazetteer", () => {
  it("has the 30 osiedla, the landmarks and the domain streets inside the city", () => {
    const entries = defaultGazetteer();
    expect(entries.filter((e) => e.kind === "suburb")).toHaveLength(30);
    expect(entries.filter((e) => e.kind === "landmark").length).toBeGreaterThanOrEqual(3);
    const streets = entries.filter((e) => e.kind === "street").map((e) => e.name);
    for (const name of [
      "Karpacka",
      "Partyzantów",
      "Andersa",
      "Kolista",
      "Cieszyńska",
      "Sobieskiego",
      "Olimpijska",
      "Podgórna",
      "Rychlińskiego",
      "Sternicza",
      "Leszczyńska",
      "Wapienna",
      "3 Maja",
      "11 Listopada",
    ]) {
      expect(
        streets.some((s) => s.includes(name)),
        name,
      ).toBe(true);
    }
    for (const e of entries) {
      expect(e.lon, e.name).toBeGreaterThanOrEqual(18.9454);
      expect(e.lon, e.name).toBeLessThanOrEqual(19.1253);
      expect(e.lat, e.name).toBeGreaterThanOrEqual(49.7367);
      expect(e.lat, e.name).toBeLessThanOrEqual(49.8874);
      expect(e.postcode, e.name).toMatch(/^43-3[0-8]\d$/);
    }
  });
});

describe("/search", () => {
  it("returns Nominatim's result shape", async () => {
    const [place, ...rest] = await search("Cieszyńska");
    expect(rest).toEqual([]);
    expect(place).toMatchObject({
      licence: "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
      osm_type: "way",
      class: "highway",
      address: {
        road: "Cieszyńska",
        city: "Bielsko-Biała",
        state: "województwo śląskie",
        country: "Polska",
        country_code: "pl",
      },
    });
    expect(place!.lat).toMatch(/^49\.\d+$/);
    expect(place!.lon).toMatch(/^19\.\d+$/);
    expect(place!.boundingbox).toHaveLength(4);
    expect(place!.boundingbox.every((v) => typeof v === "string")).toBe(true);
    expect(place!.display_name).toMatch(/^Cieszyńska, [^,]+, Bielsko-Biała, powiat Bielsko-Biała, województwo śląskie, 43-3\d\d, Polska$/);
    expect(typeof place!.place_id).toBe("number");
    // Without addressdetails=1 there is no address, as in Nominatim.
    expect((await get<Place[]>("/search", { q: "Cieszyńska", format: "json" })).body[0]?.address).toBeUndefined();
  });

  it("matches without diacritics, case or street prefixes", async () => {
    const [reference] = await search("Cieszyńska");
    for (const q of ["ul. cieszynska", "CIESZYNSKA, Bielsko-Biała", "ulica Cieszyńska, 43-300 Bielsko Biała, Polska"]) {
      expect(
        (await search(q)).map((p) => p.place_id),
        q,
      ).toEqual([reference!.place_id]);
    }
    expect((await search("al. Andersa"))[0]?.address?.road).toBe("aleja Władysława Andersa");
    expect((await search("Jana Sobieskiego"))[0]?.address?.road).toBe("Jana III Sobieskiego");
    expect((await search("Łany"))[0]?.display_name).toMatch(/^Złote Łany, /);
  });

  it("puts a house number on the street, a little off the street's point", async () => {
    const [street] = await search("Wapienna");
    const [house] = await search("Wapienna 45, Bielsko-Biała");
    expect(house).toMatchObject({ class: "place", type: "house", address: { house_number: "45", road: "Wapienna" } });
    expect(house!.display_name).toMatch(/^45, Wapienna, /);
    const km = distanceKm(Number(street!.lat), Number(street!.lon), Number(house!.lat), Number(house!.lon));
    expect(km).toBeGreaterThan(0);
    expect(km).toBeLessThan(0.2);
    // Numbered street names keep their number; the trailing one is the house.
    const [maja] = await search("3 Maja 12");
    expect(maja?.address).toMatchObject({ road: "3 Maja", house_number: "12" });
  });

  it("returns every osiedle a name matches", async () => {
    const results = await search("Mikuszowice");
    expect(results.map((p) => p.display_name.split(",")[0]).sort()).toEqual(["Mikuszowice Krakowskie", "Mikuszowice Śląskie"]);
    expect(results.every((p) => p.class === "place" && p.type === "suburb")).toBe(true);
    expect(await search("Mikuszowice", { limit: "1" })).toHaveLength(1);
  });

  it("answers street corners with the first street or a known intersection", async () => {
    const [cieszynska] = await search("Cieszyńska");
    const [corner] = await search("Cieszyńska róg Karpackiej");
    expect([corner?.lat, corner?.lon]).toEqual([cieszynska?.lat, cieszynska?.lon]);
    const [crossing] = await search("3 Maja i 11 Listopada");
    expect(crossing?.display_name).toMatch(/^3 Maja \/ 11 Listopada, /);
    // "Osiedle Mieszka I" is a name, not a corner.
    expect((await search("Osiedle Mieszka I"))[0]?.type).toBe("suburb");
  });

  it("gives landmarks their OSM name and street address, and a square its own address key", async () => {
    const [office] = await search("Starostwo Powiatowe");
    expect(office).toMatchObject({
      class: "office",
      type: "government",
      name: "Starostwo Powiatowe w Bielsku-Białej",
      address: { office: "Starostwo Powiatowe w Bielsku-Białej", road: "Piastowska", house_number: "40", city: "Bielsko-Biała" },
    });
    expect(office!.display_name).toMatch(/^Starostwo Powiatowe w Bielsku-Białej, 40, Piastowska, [^,]+, Bielsko-Biała, /);
    // People type the address; it still finds the building.
    expect((await search("ul. Piastowska 40, Bielsko-Biała"))[0]?.place_id).toBe(office!.place_id);
    const [square] = await search("Plac Chrobrego");
    expect(square).toMatchObject({
      class: "place",
      type: "square",
      addresstype: "square",
      name: "plac Bolesława Chrobrego",
      address: { square: "plac Bolesława Chrobrego" },
    });
    expect((await search("Dworzec Główny"))[0]?.address).toMatchObject({ railway: "Bielsko-Biała Główna", road: "Warszawska", house_number: "2" });
  });

  it("returns [] for unknown places, other countries and places outside a bounded viewbox", async () => {
    expect(await search("Marszałkowska 1")).toEqual([]);
    expect(await search("Cieszyńska", { countrycodes: "cz" })).toEqual([]);
    expect(await search("Wapienica", { viewbox: "19.03,49.83,19.10,49.79", bounded: "1" })).toEqual([]);
    expect(await search("Wapienica", { viewbox: CITY_VIEWBOX, bounded: "1" })).toHaveLength(1);
  });

  it("accepts structured queries", async () => {
    const { body } = await get<Place[]>("/search", { street: "45 Wapienna", city: "Bielsko-Biała", format: "json", addressdetails: "1" });
    expect(body[0]?.address).toMatchObject({ road: "Wapienna", house_number: "45", city: "Bielsko-Biała" });
  });
});

describe("/reverse", () => {
  it("names the nearest street, or the osiedle at low zoom", async () => {
    const { body } = await get<Place>("/reverse", { lat: "49.8116", lon: "19.0072", format: "json", zoom: "18", addressdetails: "1" });
    expect(body.display_name).toMatch(/^Cieszyńska, [^,]+, Bielsko-Biała, powiat Bielsko-Biała, województwo śląskie, 43-3\d\d, Polska$/);
    expect(body.address).toMatchObject({ road: "Cieszyńska", city: "Bielsko-Biała", country_code: "pl" });
    const suburb = await get<Place>("/reverse", { lat: "49.8085", lon: "18.984", format: "json", zoom: "14" });
    expect(suburb.body).toMatchObject({ type: "suburb", address: { suburb: "Wapienica" } });
  });

  it("cannot geocode points far from the city", async () => {
    const berlin = await get("/reverse", { lat: "52.52", lon: "13.405", format: "json", zoom: "18" });
    expect(berlin).toEqual({ status: 200, body: { error: "Unable to geocode" } });
  });
});

describe("recording and failure modes", () => {
  it("records each request with its query and headers", async () => {
    const before = Date.now();
    await search("Kolista");
    expect(osm.requests).toHaveLength(1);
    expect(osm.requests[0]).toMatchObject({ path: "/search", query: { q: "Kolista", countrycodes: "pl" } });
    expect(osm.requests[0]!.headers["user-agent"]).toBe(UA);
    expect(osm.requests[0]!.at).toBeGreaterThanOrEqual(before);
  });

  it("fails with an HTML 500 or 429", async () => {
    osm.mode = "error500";
    const res = await fetch(`${osm.url}/search?q=Kolista&format=json`);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("Internal Server Error");
    osm.mode = "error429";
    expect((await fetch(`${osm.url}/search?q=Kolista&format=json`)).status).toBe(429);
    osm.mode = "normal";
    expect((await fetch(`${osm.url}/search?q=Kolista&format=json`)).status).toBe(200);
    expect(osm.requests).toHaveLength(3);
  });

  it("hangs until stopped, and delays answers", async () => {
    osm.mode = "hang";
    const hung = fetch(`${osm.url}/search?q=Kolista&format=json`, { signal: AbortSignal.timeout(300) });
    await expect(hung).rejects.toThrow(/aborted|timeout/i);
    const cut = fetch(`${osm.url}/search?q=Kolista&format=json`).then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await osm.stop();
    expect(await cut).toBe("cut");

    osm = await FakeNominatim.start();
    osm.setDelay(300);
    const started = Date.now();
    expect(await search("Kolista")).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("drops the connection without an answer in reset mode, answered or delayed", async () => {
    osm.mode = "reset";
    await expect(fetch(`${osm.url}/search?q=Kolista&format=json`)).rejects.toThrow(/fetch failed/);
    // Switched while an answer is delayed: the connection is dropped then.
    osm.mode = "normal";
    osm.setDelay(100);
    const delayed = fetch(`${osm.url}/search?q=Kolista&format=json`);
    osm.mode = "reset";
    await expect(delayed).rejects.toThrow(/fetch failed/);
    osm.mode = "normal";
    osm.setDelay(0);
    expect(await search("Kolista")).toHaveLength(1);
    expect(osm.requests).toHaveLength(3);
  });

  it("serves a custom gazetteer", async () => {
    await osm.stop();
    osm = await FakeNominatim.start({
      gazetteer: [{ name: "Testowa", kind: "street", lat: 49.8, lon: 19.05, suburb: "Leszczyny", postcode: "43-309" }],
    });
    expect((await search("Testowa"))[0]?.display_name).toBe("Testowa, Leszczyny, Bielsko-Biała, powiat Bielsko-Biała, województwo śląskie, 43-309, Polska");
    expect(await search("Cieszyńska")).toEqual([]);
  });
});

describe("through node-geocoder (the bot's client)", () => {
  it("geocodes, reverse-geocodes and surfaces errors", async () => {
    const honestFetch = (url: string, init: { headers?: Record<string, string> } = {}) =>
      fetch(url, { ...init, headers: { ...init.headers, "user-agent": UA } });
    const geocoder = NodeGeocoder({
      provider: "openstreetmap",
      osmServer: osm.url,
      fetch: honestFetch as unknown as NodeGeocoder.BaseOptions["fetch"],
    });

    const [found] = await geocoder.geocode({ q: "Partyzantów 10", countrycodes: "pl", limit: 3 } as unknown as string);
    expect(found).toMatchObject({ city: "Bielsko-Biała", streetName: "Partyzantów", streetNumber: "10", countryCode: "PL" });
    expect(found?.latitude).toBeCloseTo(49.8042, 2);

    const [reversed] = await geocoder.reverse({ lat: 49.80165, lon: 19.01949 });
    expect(reversed?.streetName).toBe("Karpacka");
    await expect(geocoder.reverse({ lat: 52.52, lon: 13.405 })).rejects.toThrow("Unable to geocode");

    osm.mode = "error500";
    await expect(geocoder.geocode("Kolista")).rejects.toThrow(/Internal Server Error/);
    expect(osm.requests.every((r) => r.headers["user-agent"] === UA)).toBe(true);
    expect(osm.requests.every((r) => r.query.format === "json" && r.query.addressdetails === "1")).toBe(true);
  });
});
