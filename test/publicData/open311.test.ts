import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../../src/domain/reports/categories.js";
import { ACTIVE_STATUSES, STATUSES } from "../../src/domain/reports/status.js";
import {
  OPEN311_DEFAULT_PAGE_SIZE,
  OPEN311_MAX_PAGE_SIZE,
  open311Body,
  open311Discovery,
  open311Error,
  open311Request,
  open311Services,
  open311StatusOf,
  open311Xml,
  parseRequestsQuery,
  parseW3cDateTime,
  statusesWithOpen311Status,
  type Open311Names,
  type Open311RequestsQuery,
} from "../../src/publicData/open311.js";
import type { PublicReport } from "../../src/publicData/publicReport.js";

interface PolishLabels {
  categories: Record<string, string>;
  categoryGroups: Record<string, string>;
  status: Record<string, string>;
}
const pl = JSON.parse(readFileSync(new URL("../../locales/pl.json", import.meta.url), "utf8")) as PolishLabels;

/** The names as the caller builds them from i18next: group labels keep their emoji (open311.ts drops it). */
const names: Open311Names = {
  category: (code) => pl.categories[code] ?? code,
  group: (group) => pl.categoryGroups[group] ?? group,
  status: (status) => pl.status[status] ?? status,
};

const report = (over: Partial<PublicReport> = {}): PublicReport => ({
  ref: "BB-2026-000123",
  categoryCode: "speeding",
  status: "confirmed",
  lat: 49.822345,
  lon: 19.044567,
  createdAt: new Date("2026-11-29T10:15:00.456Z"),
  statusSince: new Date("2026-11-30T07:00:00Z"),
  updatedAt: new Date("2026-11-30T08:00:00Z"),
  district: { number: "7", name: "Złote Łany" },
  agency: "Komisariat Policji I w Bielsku-Białej",
  publicNote: null,
  ...over,
});

/** The spec's W3C datetime with its zone (Z or ±hh:mm). */
const W3C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

/**
 * A small well-formedness check for what the serializer writes (elements and text, no attributes): the declaration
 * first, one root, every element closed in order, no raw "<" or stray "&" in text. Returns the root's name.
 */
function wellFormedRoot(xml: string): string {
  expect(xml.startsWith(DECLARATION)).toBe(true);
  const body = xml.slice(DECLARATION.length);
  const token = /<(\/?)([A-Za-z_][\w.-]*)>|([^<]+)/y;
  const open: string[] = [];
  let root: string | undefined;
  while (token.lastIndex < body.length) {
    const at = token.lastIndex;
    const m = token.exec(body);
    if (!m) throw new Error(`not well-formed at ${at}: ${body.slice(at, at + 40)}`);
    const [, closing, name, text] = m;
    if (text !== undefined) {
      if (!open.length && text.trim()) throw new Error(`text outside the root: ${text}`);
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`a raw & in ${text}`);
    } else if (closing) {
      if (open.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
    } else {
      if (!open.length && root !== undefined) throw new Error(`a second root <${name}>`);
      root ??= name;
      open.push(name!);
    }
  }
  if (open.length || root === undefined) throw new Error(`unclosed: ${open.join(", ")}`);
  return root;
}

const compact = (xml: string) => xml.replace(/>\s+</g, "><");
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescape = (text: string) => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity: string) => ENTITIES[entity]!);
const textsOf = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) => unescape(m[1]!));

describe("the test's XML check", () => {
  it.each([
    ["<a><b></a></b>", "crossed elements"],
    ["<a>x & y</a>", "a raw &"],
    ["<a>x < y</a>", "a raw <"],
    ["<a></a><b></b>", "two roots"],
    ["<a><b></b>", "an unclosed element"],
    ["text<a></a>", "text outside the root"],
  ])("rejects %s (%s)", (xml) => {
    expect(() => wellFormedRoot(`${DECLARATION}${xml}`)).toThrow();
  });
});

describe("GET services", () => {
  const services = open311Services(names);

  it("lists every category that can be public, in the order of CATEGORIES, and never drugs or animal cruelty", () => {
    const listed = CATEGORIES.filter((c) => c.publicVisibility !== "never").map((c) => c.code);
    expect(services.map((s) => s.service_code)).toEqual(listed);
    expect(services).toHaveLength(22);
    expect(services.map((s) => s.service_code)).not.toContain("drugs");
    expect(services.map((s) => s.service_code)).not.toContain("animal_cruelty");
    // Public only once confirmed, but listed: reports of it can be public.
    expect(services.map((s) => s.service_code)).toContain("dangerous_entertainment");
  });

  it.each([
    ["service_code", "string"],
    ["service_name", "string"],
    ["description", "string"],
    ["metadata", "boolean"],
    ["type", "string"],
    ["keywords", "string"],
    ["group", "string"],
  ])("every service has %s (%s)", (field, type) => {
    for (const service of services) {
      expect(service).toHaveProperty(field);
      expect(typeof (service as unknown as Record<string, unknown>)[field]).toBe(type);
    }
  });

  it("names a service in Polish, describes it by its KMZB name, groups it without the menu's emoji", () => {
    const speeding = services.find((s) => s.service_code === "speeding")!;
    expect(speeding).toEqual({
      service_code: "speeding",
      service_name: "Przekraczanie dozwolonej prędkości",
      description: "Przekraczanie dozwolonej prędkości",
      metadata: false,
      type: "realtime",
      keywords: "",
      group: pl.categoryGroups.traffic!.replace(/^\S+\s+/, ""),
    });
    expect(services.find((s) => s.service_code === "begging")!.group).toBe("Porządek publiczny");
    expect(services.find((s) => s.service_code === "poaching")!.group).toBe("Przyroda i zwierzęta");
    for (const service of services) expect(service.group).toMatch(/^\p{L}/u);
  });

  it("renders <services><service>… in XML, and a plain array in JSON", () => {
    const xml = open311Xml("services", services);
    expect(wellFormedRoot(xml)).toBe("services");
    expect(textsOf(xml, "service_code")).toEqual(services.map((s) => s.service_code));
    expect(compact(xml)).toContain("<metadata>false</metadata><type>realtime</type><keywords></keywords>");
    expect(JSON.parse(open311Body("json", "services", services).body)).toEqual(services);
  });
});

describe("GET requests: one report", () => {
  /** Every GeoReport v2 request field, in the spec's order, with its JSON type here. */
  const FIELDS: [string, string][] = [
    ["service_request_id", "string"],
    ["status", "string"],
    ["status_notes", "string"],
    ["service_name", "string"],
    ["service_code", "string"],
    ["description", "string"],
    ["agency_responsible", "string"],
    ["service_notice", "string"],
    ["requested_datetime", "string"],
    ["updated_datetime", "string"],
    ["expected_datetime", "object"], // null
    ["address", "string"],
    ["address_id", "string"],
    ["zipcode", "string"],
    ["lat", "number"],
    ["long", "number"],
    ["media_url", "string"],
  ];
  const request = open311Request(report(), names);

  it("has every field of the spec, in its order, and nothing else", () => {
    expect(Object.keys(request)).toEqual(FIELDS.map(([field]) => field));
  });

  it.each(FIELDS)("%s is a %s", (field, type) => {
    expect(typeof (request as unknown as Record<string, unknown>)[field]).toBe(type);
  });

  it("takes its id, category, position, agency and times from the report", () => {
    expect(request).toMatchObject({
      service_request_id: "BB-2026-000123",
      service_code: "speeding",
      service_name: "Przekraczanie dozwolonej prędkości",
      agency_responsible: "Komisariat Policji I w Bielsku-Białej",
      service_notice: "",
      expected_datetime: null,
      lat: 49.822345,
      long: 19.044567,
    });
  });

  it("gives datetimes in W3C format, UTC to the second", () => {
    expect(request.requested_datetime).toMatch(W3C);
    expect(request.updated_datetime).toMatch(W3C);
    expect(request.requested_datetime).toBe("2026-11-29T10:15:00Z");
    expect(request.updated_datetime).toBe("2026-11-30T08:00:00Z");
  });

  it.each(STATUSES)("status %s is open exactly while the report is active", (status) => {
    const expected = ACTIVE_STATUSES.includes(status) ? "open" : "closed";
    expect(open311Request(report({ status }), names).status).toBe(expected);
    expect(open311StatusOf(status)).toBe(expected);
    expect(statusesWithOpen311Status(expected)).toContain(status);
  });

  it("maps closed to the settled statuses only", () => {
    expect(statusesWithOpen311Status("open")).toEqual([...ACTIVE_STATUSES]);
    expect(statusesWithOpen311Status("closed")).toEqual(["confirmed_eliminated", "not_confirmed", "joke"]);
  });

  it("gives the police's public note as status_notes, else the status by its Polish name", () => {
    expect(open311Request(report({ publicNote: "Patrole w godzinach szczytu." }), names).status_notes).toBe("Patrole w godzinach szczytu.");
    expect(request.status_notes).toBe("Potwierdzone");
    expect(open311Request(report({ status: "confirmed_referred", publicNote: "  " }), names).status_notes).toBe(pl.status.confirmed_referred);
  });

  it("leaves agency_responsible empty outside every district", () => {
    expect(open311Request(report({ agency: null, district: null }), names).agency_responsible).toBe("");
  });

  it("never lets out a description, an address or a photo, even from a row that carries them", () => {
    const leaky = {
      ...report(),
      description: "Sąsiad spod 5 jeździ za szybko",
      address: "ul. Cieszyńska 5, Bielsko-Biała",
      zipcode: "43-300",
      addressId: "545483",
      photos: ["https://example.org/photo.jpg"],
      mediaUrl: "https://example.org/photo.jpg",
      reporterName: "Jan Kowalski",
    } as PublicReport;
    const out = open311Request(leaky, names);
    expect(out).toMatchObject({ description: "", address: "", address_id: "", zipcode: "", media_url: "" });
    for (const body of [JSON.stringify([out]), open311Xml("service_requests", [out])]) {
      for (const secret of ["Sąsiad", "Cieszyńska", "43-300", "545483", "photo.jpg", "Kowalski"]) expect(body).not.toContain(secret);
    }
  });

  it("renders <service_requests><request>… in XML with every field, empty ones as empty elements", () => {
    const xml = open311Xml("service_requests", [request, open311Request(report({ ref: "BB-2026-000124", status: "not_confirmed" }), names)]);
    expect(wellFormedRoot(xml)).toBe("service_requests");
    expect(textsOf(xml, "service_request_id")).toEqual(["BB-2026-000123", "BB-2026-000124"]);
    expect(textsOf(xml, "status")).toEqual(["open", "closed"]);
    const one = compact(xml).match(/<request>(.*?)<\/request>/)![1]!;
    expect([...one.matchAll(/<(\w+)>/g)].map((m) => m[1])).toEqual(FIELDS.map(([field]) => field));
    for (const empty of ["description", "service_notice", "expected_datetime", "address", "address_id", "zipcode", "media_url"]) {
      expect(one).toContain(`<${empty}></${empty}>`);
    }
    expect(one).toContain("<lat>49.822345</lat><long>19.044567</long>");
    expect(open311Xml("service_requests", [])).toBe(`${DECLARATION}<service_requests></service_requests>\n`);
  });

  it("escapes every text in XML, and keeps XML 1.0's forbidden characters out", () => {
    const note = `<script>alert("x")</script> & 'nic' \u0007`;
    const xml = open311Xml("service_requests", [open311Request(report({ publicNote: note, agency: "A & B <Komisariat>" }), names)]);
    expect(wellFormedRoot(xml)).toBe("service_requests");
    expect(xml).not.toContain("<script>");
    expect(xml).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;nic&apos;");
    expect(xml).not.toContain("\u0007");
    expect(textsOf(xml, "status_notes")).toEqual([note.replace("\u0007", "")]);
    expect(textsOf(xml, "agency_responsible")).toEqual(["A & B <Komisariat>"]);
  });
});

describe("GET discovery", () => {
  const discovery = open311Discovery("https://dzielnicowy.example.pl/open311/v2/", new Date("2026-12-01T12:00:00.000Z"), "open311@example.pl");

  it("has the spec's shape: changeset, contact, key_service, one production endpoint with its formats", () => {
    expect(discovery).toEqual({
      changeset: "2026-12-01T12:00:00Z",
      contact: "open311@example.pl",
      key_service: "",
      endpoints: [
        {
          specification: "http://wiki.open311.org/GeoReport_v2",
          url: "https://dzielnicowy.example.pl/open311/v2",
          changeset: "2026-12-01T12:00:00Z",
          type: "production",
          formats: ["application/json", "text/xml"],
        },
      ],
    });
  });

  it("renders <discovery> with <endpoints><endpoint> and <formats><format> in XML", () => {
    const xml = open311Xml("discovery", discovery);
    expect(wellFormedRoot(xml)).toBe("discovery");
    expect(compact(xml)).toContain(
      "<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>" +
        "<url>https://dzielnicowy.example.pl/open311/v2</url><changeset>2026-12-01T12:00:00Z</changeset><type>production</type>" +
        "<formats><format>application/json</format><format>text/xml</format></formats></endpoint></endpoints>",
    );
    expect(JSON.parse(open311Body("json", "discovery", discovery).body)).toEqual(discovery);
  });
});

describe("errors", () => {
  it("renders <errors><error><code/><description/></error></errors> and the same as a JSON array", () => {
    const errors = open311Error(404, 'service_request_id "X" <nie ma>');
    const xml = open311Xml("errors", errors);
    expect(wellFormedRoot(xml)).toBe("errors");
    expect(compact(xml)).toContain(
      "<errors><error><code>404</code><description>service_request_id &quot;X&quot; &lt;nie ma&gt;</description></error></errors>",
    );
    expect(JSON.parse(open311Body("json", "errors", errors).body)).toEqual([{ code: 404, description: 'service_request_id "X" <nie ma>' }]);
  });

  it("gives each format the spec's content type", () => {
    expect(open311Body("xml", "errors", open311Error(400, "x")).contentType).toBe("text/xml; charset=utf-8");
    expect(open311Body("json", "errors", open311Error(400, "x")).contentType).toBe("application/json; charset=utf-8");
  });
});

describe("GET requests: the query", () => {
  const now = new Date("2026-12-04T09:00:00Z");
  const DAY = 24 * 3600_000;
  const parse = (query: string) => parseRequestsQuery(new URLSearchParams(query), now);
  const accepted = (query: string): Open311RequestsQuery => {
    const result = parse(query);
    if (!result.ok) throw new Error(`rejected ${query}: ${result.error.description}`);
    return result.query;
  };
  const rejected = (query: string) => {
    const result = parse(query);
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error(`accepted ${query}`);
    expect(result.error.code).toBe(400);
    expect(result.error.description).not.toBe("");
    return result.error.description;
  };

  it("without arguments asks for the last 90 days, every service and status, the first page of 100", () => {
    expect(accepted("")).toEqual({ startDate: new Date(now.getTime() - 90 * DAY), endDate: now, page: 1, pageSize: OPEN311_DEFAULT_PAGE_SIZE });
    // Empty arguments are absent ones (the spec's "optional"); jurisdiction_id and unknown ones are ignored.
    expect(accepted("service_code=&status=&start_date=&page=&jurisdiction_id=bielsko.policja.gov.pl&foo=bar")).toEqual(accepted(""));
  });

  it("reads service codes, statuses, dates and paging", () => {
    expect(accepted("service_code=speeding,parking&status=open&start_date=2026-11-01T00:00:00Z&end_date=2026-11-30T23:59:59Z&page=3&page_size=50")).toEqual({
      serviceCodes: ["speeding", "parking"],
      status: "open",
      startDate: new Date("2026-11-01T00:00:00Z"),
      endDate: new Date("2026-11-30T23:59:59Z"),
      page: 3,
      pageSize: 50,
    });
    expect(accepted("service_code=speeding&service_code=alcohol,speeding").serviceCodes).toEqual(["speeding", "alcohol"]);
    expect(accepted("status=closed").status).toBe("closed");
    expect(accepted("status=open,closed").status).toBeUndefined();
    expect(accepted(`page_size=${OPEN311_MAX_PAGE_SIZE}`).pageSize).toBe(OPEN311_MAX_PAGE_SIZE);
  });

  it("fills the other end of a one-sided range with 90 days", () => {
    expect(accepted("start_date=2026-01-01T00:00:00Z")).toMatchObject({
      startDate: new Date("2026-01-01T00:00:00Z"),
      endDate: new Date("2026-04-01T00:00:00Z"),
    });
    expect(accepted("end_date=2026-04-01T00:00:00Z")).toMatchObject({
      startDate: new Date("2026-01-01T00:00:00Z"),
      endDate: new Date("2026-04-01T00:00:00Z"),
    });
  });

  it("reads W3C datetimes with offsets, fractions and a bare date, and an unencoded + that arrived as a space", () => {
    expect(parseW3cDateTime("2026-11-01T01:30:00+01:00")).toEqual(new Date("2026-11-01T00:30:00Z"));
    expect(parseW3cDateTime("2026-11-01T01:30:00 01:00")).toEqual(new Date("2026-11-01T00:30:00Z"));
    expect(parseW3cDateTime("2026-10-31T19:30-05:00")).toEqual(new Date("2026-11-01T00:30:00Z"));
    expect(parseW3cDateTime("2026-11-01T00:30:00.25Z")).toEqual(new Date("2026-11-01T00:30:00.250Z"));
    expect(parseW3cDateTime("2026-11-01")).toEqual(new Date("2026-11-01T00:00:00Z"));
    expect(accepted("start_date=2026-11-01T01:00:00+01:00").startDate).toEqual(new Date("2026-11-01T00:00:00Z"));
  });

  it("lets service_request_id override every other argument", () => {
    expect(accepted("service_request_id=BB-2026-000123,BB-2026-000124&service_code=nonsense&status=foo&page_size=5000")).toEqual({
      ids: ["BB-2026-000123", "BB-2026-000124"],
      page: 1,
      pageSize: 2,
    });
  });

  it.each([
    ["service_code=pothole", "service_code"],
    ["service_code=speeding,pothole", "service_code"],
    ["service_code=drugs", "service_code"], // never public: not a service at all
    ["status=foo", "status"],
    ["status=open,foo", "status"],
    ["start_date=yesterday", "start_date"],
    ["start_date=2026-02-30T00:00:00Z", "start_date"],
    ["start_date=2026-11-01T25:00:00Z", "start_date"],
    ["end_date=2026-11-01T10:00:00", "end_date"], // a time without its zone
    ["end_date=1733300000", "end_date"],
    ["start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90 days"],
    ["start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "after end_date"],
    [`page_size=${OPEN311_MAX_PAGE_SIZE + 1}`, "page_size"],
    ["page_size=0", "page_size"],
    ["page_size=-5", "page_size"],
    ["page_size=10.5", "page_size"],
    ["page=0", "page"],
    ["page=abc", "page"],
  ])("rejects %s with a 400 naming %s", (query, named) => {
    expect(rejected(query)).toContain(named);
  });

  it("rejects more ids than a page holds, and quotes a long bad value only in part", () => {
    const ids = Array.from({ length: OPEN311_MAX_PAGE_SIZE + 1 }, (_, i) => `BB-2026-${i}`).join(",");
    expect(rejected(`service_request_id=${ids}`)).toContain("service_request_id");
    expect(rejected(`service_code=${"x".repeat(500)}`).length).toBeLessThan(120);
  });
});
