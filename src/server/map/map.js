// The public threat map's script: plain ES2020 for the browser, no build step. Leaflet (L) and its
// marker-cluster plugin are loaded before it. Data come from the same server's /api/*.geojson; every
// string from the data is put into the page with textContent or as an attribute, never as HTML.
/* global L, document, window, fetch, history, location, URLSearchParams, AbortController */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("map-data").textContent);
  const S = data.strings;
  const lang = data.lang;
  const PERIODS = [7, 30, 90, 365];
  const DEFAULT_DAYS = 30;
  const allStatuses = data.statuses.map((s) => s.code);
  const allCategories = data.groups.flatMap((g) => g.categories.map((c) => c.code));
  const mapEl = document.getElementById("map");
  const summary = document.getElementById("summary");
  const reportLink = document.getElementById("report-link");
  const card = document.getElementById("district-card");
  const panel = document.getElementById("panel");
  const toggle = document.getElementById("filters-toggle");

  // ---- strings: `t("card.phone")`, plurals by `count` (i18next's key_one/_few/_many/_other), {{name}} placeholders

  const pluralRules = new Intl.PluralRules(lang);
  const lookup = (path) => path.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), S);
  function t(key, vars) {
    let text = vars && typeof vars.count === "number" ? (lookup(`${key}_${pluralRules.select(vars.count)}`) ?? lookup(`${key}_other`)) : undefined;
    if (typeof text !== "string") text = lookup(key);
    if (typeof text !== "string") return key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name) => (vars && vars[name] !== undefined ? String(vars[name]) : whole));
  }

  const dateFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "Europe/Warsaw" });
  const formatDate = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : dateFormat.format(d);
  };
  const coordFormat = new Intl.NumberFormat(lang, { minimumFractionDigits: 4, maximumFractionDigits: 4 });

  /** A new element with a class and text (text only: data never becomes HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- filter state: kept in the address (?days=&status=&category=), so a view can be shared

  function readState() {
    const q = new URLSearchParams(location.search);
    const list = (name, all) => {
      if (!q.has(name)) return new Set(all);
      return new Set(
        q
          .get(name)
          .split(",")
          .filter((c) => all.includes(c)),
      );
    };
    const days = Number(q.get("days"));
    return { days: PERIODS.includes(days) ? days : DEFAULT_DAYS, statuses: list("status", allStatuses), categories: list("category", allCategories) };
  }
  const state = readState();
  /** The address keeps ?lang= only when it had it (a shared link otherwise follows the reader's browser). */
  const pinnedLanguage = new URLSearchParams(location.search).has("lang");

  /** The API's query for the current filters: a list is left out when everything is chosen (= all public ones). */
  function apiQuery() {
    const q = new URLSearchParams();
    if (state.categories.size < allCategories.length) q.set("category", allCategories.filter((c) => state.categories.has(c)).join(","));
    if (state.statuses.size < allStatuses.length) q.set("status", allStatuses.filter((s) => state.statuses.has(s)).join(","));
    q.set("days", String(state.days));
    q.set("lang", lang);
    return q.toString();
  }

  function writeState() {
    const q = new URLSearchParams(apiQuery());
    if (state.days === DEFAULT_DAYS) q.delete("days");
    if (!pinnedLanguage) q.delete("lang");
    const search = q.toString();
    history.replaceState(null, "", search ? `${location.pathname}?${search}` : location.pathname);
    // The language switch keeps the filters.
    for (const a of document.querySelectorAll(".langs a")) {
      const target = new URLSearchParams(q);
      target.set("lang", a.getAttribute("hreflang"));
      a.setAttribute("href", `?${target.toString()}`);
    }
  }

  // ---- the filter form

  function checkbox(name, value, label, checked, swatchClass) {
    const wrap = el("label", "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = name;
    input.value = value;
    input.checked = checked;
    wrap.append(input);
    if (swatchClass) {
      const swatch = el("span", `swatch ${swatchClass}`);
      swatch.setAttribute("aria-hidden", "true");
      wrap.append(swatch);
    }
    wrap.append(el("span", "", label));
    return { wrap, input };
  }

  const period = document.getElementById("period");
  for (const days of PERIODS) {
    const option = el("option", "", t("lastDays", { count: days }));
    option.value = String(days);
    option.selected = days === state.days;
    period.append(option);
  }
  period.addEventListener("change", () => {
    state.days = Number(period.value);
    changed();
  });

  const statusBox = document.getElementById("statuses");
  for (const s of data.statuses) {
    const { wrap, input } = checkbox("status", s.code, s.name, state.statuses.has(s.code), `st-${s.code}`);
    input.addEventListener("change", () => {
      if (input.checked) state.statuses.add(s.code);
      else state.statuses.delete(s.code);
      changed();
    });
    statusBox.append(wrap);
  }

  const categoryBox = document.getElementById("categories");
  for (const group of data.groups) {
    const set = el("fieldset", "group");
    const legend = el("legend");
    const { wrap: groupWrap, input: groupInput } = checkbox("group", group.code, group.name, false);
    legend.append(groupWrap);
    set.append(legend);
    const items = el("div", "items");
    const inputs = group.categories.map((c) => {
      const { wrap, input } = checkbox("category", c.code, c.name, state.categories.has(c.code));
      input.addEventListener("change", () => {
        if (input.checked) state.categories.add(c.code);
        else state.categories.delete(c.code);
        syncGroup();
        changed();
      });
      items.append(wrap);
      return input;
    });
    // The group's box: all, none, or some (indeterminate) of its categories.
    const syncGroup = () => {
      const on = inputs.filter((i) => i.checked).length;
      groupInput.checked = on === inputs.length;
      groupInput.indeterminate = on > 0 && on < inputs.length;
    };
    groupInput.addEventListener("change", () => {
      for (const input of inputs) {
        input.checked = groupInput.checked;
        if (groupInput.checked) state.categories.add(input.value);
        else state.categories.delete(input.value);
      }
      syncGroup();
      changed();
    });
    syncGroup();
    set.append(items);
    categoryBox.append(set);
  }

  document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());

  // On phones the filters are a sheet over the map, opened from the top bar.
  toggle.addEventListener("click", () => setPanel(!panel.classList.contains("open")));
  document.getElementById("panel-close").addEventListener("click", () => {
    setPanel(false);
    toggle.focus();
  });
  function setPanel(open) {
    panel.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) period.focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (!card.hidden) closeCard();
    else if (panel.classList.contains("open")) {
      setPanel(false);
      toggle.focus();
    }
  });

  // ---- the map

  const map = L.map(mapEl, { zoomControl: true, minZoom: 5, maxZoom: 18, worldCopyJump: false });
  map.setView([data.view[0], data.view[1]], data.view[2]);
  // The licence line as the server rendered it (escaped there): the data's attribution on the map itself.
  map.attributionControl.addAttribution(document.getElementById("licence").innerHTML);
  if (data.tiles) {
    const osm = '<a href="https://www.openstreetmap.org/copyright" rel="noopener">OpenStreetMap</a>';
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: escapeHtml(t("tiles")).replace("{{osm}}", osm) }).addTo(map);
  }
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // ---- reports

  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    spiderfyOnMaxZoom: true,
    // Not chunked: the markers are all on the map when addLayers returns, so data-count is exact.
    chunkedLoading: false,
    iconCreateFunction(cluster) {
      const count = cluster.getChildCount();
      const size = count < 10 ? 34 : count < 100 ? 40 : 48;
      // A cluster is a button (Leaflet makes markers focusable): its name says how many reports it holds.
      const html = el("span");
      html.dataset.count = String(count);
      const visible = el("span", "", count);
      visible.setAttribute("aria-hidden", "true");
      html.append(visible, el("span", "visually-hidden", `${t("count", { count })} — ${t("zoomIn")}`));
      return L.divIcon({ html, className: "cluster", iconSize: [size, size] });
    },
  });
  clusters.addTo(map);

  function markerFor(feature) {
    const p = feature.properties || {};
    const coords = feature.geometry && feature.geometry.type === "Point" ? feature.geometry.coordinates : null;
    if (!coords || !Number.isFinite(coords[0]) || !Number.isFinite(coords[1])) return null;
    const icon = L.divIcon({ className: `report-marker st-${String(p.status).replace(/[^a-z_]/g, "")}`, iconSize: [24, 24] });
    const marker = L.marker([coords[1], coords[0]], { icon, title: `${p.categoryName || ""} — ${p.statusName || ""}`, keyboard: true });
    marker.bindPopup(() => popupFor(p), { maxWidth: 300 });
    return marker;
  }

  /** Category, status, dates, district, the latest public note: nothing else is public. */
  function popupFor(p) {
    const box = el("div", "popup");
    box.append(el("h2", "", p.categoryName));
    const line = (label, value) => {
      if (value === null || value === undefined || value === "") return;
      const row = el("p");
      row.append(el("span", "label", `${label}: `), document.createTextNode(String(value)));
      box.append(row);
    };
    line(t("popup.status"), p.statusName);
    line(t("popup.created"), formatDate(p.createdAt));
    if (p.statusSince && formatDate(p.statusSince) !== formatDate(p.createdAt)) line(t("popup.statusSince"), formatDate(p.statusSince));
    if (p.districtNumber) box.append(el("p", "", t("districtShort", { number: p.districtNumber, name: p.districtName || "" })));
    line(t("popup.note"), p.publicNote);
    return box;
  }

  let request = null;
  let generation = 0;
  /** Whether the view was fitted to something (the districts, else the first reports). */
  let fitted = false;

  async function loadReports() {
    const query = apiQuery();
    if (request) request.abort();
    const mine = ++generation;
    if (state.statuses.size === 0 || state.categories.size === 0) {
      // Nothing chosen means nothing shown (the API would read a missing list as "all").
      request = null;
      clusters.clearLayers();
      mapEl.dataset.count = "0";
      mapEl.dataset.query = "";
      mapEl.dataset.state = "ready";
      setSummary(t("nothingSelected"));
      return;
    }
    request = new AbortController();
    mapEl.dataset.state = "loading";
    setSummary(t("loading"));
    try {
      const res = await fetch(`/api/reports.geojson?${query}`, { signal: request.signal, headers: { accept: "application/geo+json, application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const collection = await res.json();
      if (mine !== generation) return;
      const markers = (collection.features || []).map(markerFor).filter(Boolean);
      clusters.clearLayers();
      clusters.addLayers(markers);
      mapEl.dataset.count = String(clusters.getLayers().length);
      mapEl.dataset.query = query;
      mapEl.dataset.state = "ready";
      setSummary(t("count", { count: markers.length }));
      if (!fitted && markers.length > 0 && districtsLoaded) {
        fitted = true;
        map.fitBounds(clusters.getBounds(), { padding: [24, 24], maxZoom: 15 });
      }
    } catch (error) {
      if (mine !== generation || (error && error.name === "AbortError")) return;
      mapEl.dataset.state = "error";
      setSummary(t("loadError"), true);
    }
  }

  function setSummary(text, failed) {
    summary.textContent = text;
    summary.classList.toggle("error", Boolean(failed));
    if (failed) {
      const retry = el("button", "", t("retry"));
      retry.type = "button";
      retry.addEventListener("click", () => {
        loadReports();
        if (!districtsLoaded) loadDistricts();
      });
      summary.append(retry);
    }
  }

  function changed() {
    writeState();
    loadReports();
  }

  // ---- districts: outlines, labels, the officer's card

  const districtLayers = new Map();
  const labels = L.layerGroup();
  // District labels lie under the markers (map.css: the pane is at z-index 450, markers at 600).
  map.createPane("district-labels");
  const LABEL_ZOOM = 12;
  let districtsLoaded = false;
  let selected = null;
  const baseStyle = { color: "#0b3d6e", weight: 2, opacity: 0.8, fillColor: "#0b3d6e", fillOpacity: 0.04 };
  const selectedStyle = { weight: 4, opacity: 1, fillOpacity: 0.14 };

  async function loadDistricts() {
    try {
      const res = await fetch(`/api/districts.geojson?lang=${encodeURIComponent(lang)}`, { headers: { accept: "application/geo+json, application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const collection = await res.json();
      districtsLoaded = true;
      showDistricts(collection.features || []);
      // No districts: fit the reports instead, when they are already there.
      if (!fitted && clusters.getLayers().length > 0) {
        fitted = true;
        map.fitBounds(clusters.getBounds(), { padding: [24, 24], maxZoom: 15 });
      }
    } catch {
      setSummary(t("loadError"), true);
    }
  }

  function showDistricts(features) {
    const select = document.getElementById("district-select");
    const layer = L.geoJSON(
      { type: "FeatureCollection", features },
      {
        style: () => baseStyle,
        onEachFeature(feature, path) {
          const p = feature.properties || {};
          const number = String(p.number);
          districtLayers.set(number, { path, properties: p });
          const tip = el("span", "", t("districtShort", { number, name: p.name || "" }));
          path.bindTooltip(tip, { sticky: true, direction: "top" });
          path.on("click", () => openCard(number, false));
          path.on("add", () => {
            const element = path.getElement && path.getElement();
            if (element) element.setAttribute("data-district", number);
          });
        },
      },
    ).addTo(map);
    layer.bringToBack();

    const sorted = [...districtLayers.entries()].sort((a, b) => a[0].localeCompare(b[0], lang, { numeric: true }));
    for (const [number, { path, properties }] of sorted) {
      const option = el("option", "", t("districtShort", { number, name: properties.name || "" }));
      option.value = number;
      select.append(option);
      const label = el("span", "", number);
      label.append(el("br"), document.createTextNode(properties.name || ""));
      labels.addLayer(
        L.tooltip({ permanent: true, direction: "center", className: "district-label", interactive: false, pane: "district-labels" })
          .setLatLng(path.getCenter())
          .setContent(label),
      );
    }
    select.addEventListener("change", () => {
      if (select.value) openCard(select.value, true);
      else closeCard();
    });
    const bounds = layer.getBounds();
    if (bounds.isValid()) {
      fitted = true;
      map.fitBounds(bounds, { padding: [8, 8] });
    }
    map.on("zoomend", showLabels);
    showLabels();
    mapEl.dataset.districts = String(districtLayers.size);
  }

  function showLabels() {
    if (map.getZoom() >= LABEL_ZOOM) labels.addTo(map);
    else labels.remove();
  }

  function openCard(number, fromList) {
    const entry = districtLayers.get(number);
    if (!entry) return;
    if (selected) selected.setStyle(baseStyle);
    selected = entry.path;
    selected.setStyle(selectedStyle);
    const select = document.getElementById("district-select");
    select.value = number;
    renderCard(entry.properties);
    card.hidden = false;
    if (fromList) {
      // On a phone the filters cover the map: close them and go to the card. On a wide screen the
      // keyboard stays in the list (arrow keys move through the districts).
      const phone = window.getComputedStyle(panel).position === "absolute";
      if (phone) {
        setPanel(false);
        card.focus();
      }
      // The district in the part of the map the card leaves free (below it on a phone, beside it otherwise).
      const cardSize = phone ? [0, card.offsetHeight] : [card.offsetWidth + 12, 0];
      map.fitBounds(entry.path.getBounds(), { paddingTopLeft: [16, 16], paddingBottomRight: [16 + cardSize[0], 16 + cardSize[1]], maxZoom: 15 });
    }
  }

  function closeCard() {
    // Focus inside the card would be lost with it: it goes back to the district list.
    if (card.contains(document.activeElement)) document.getElementById("district-select").focus();
    card.hidden = true;
    if (selected) selected.setStyle(baseStyle);
    selected = null;
    document.getElementById("district-select").value = "";
  }

  const telHref = (phone) => `tel:${String(phone).replace(/[^\d+]/g, "")}`;

  function link(href, text) {
    const a = el("a", "", text);
    a.href = href;
    return a;
  }

  /** The dzielnicowy's public card: the same facts the bot shows. */
  function renderCard(p) {
    card.replaceChildren();
    const close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", t("card.close"));
    close.addEventListener("click", closeCard);
    const title = el("h2", "", t("districtTitle", { number: p.number, name: p.name || "" }));
    title.id = "card-title";
    card.append(title, close);

    const officer = p.officer;
    card.append(el("h3", "", t("card.officer")));
    if (officer) {
      card.append(el("p", "officer-name", [officer.rank, officer.firstName, officer.lastName].filter(Boolean).join(" ")));
      if (officer.phone) card.append(row(t("card.phone"), link(telHref(officer.phone), officer.phone)));
      if (officer.email) card.append(row(t("card.email"), link(`mailto:${officer.email}`, officer.email)));
      if (officer.dutyHours) card.append(row(t("card.dutyHours"), document.createTextNode(officer.dutyHours)));
    } else {
      card.append(el("p", "", t("card.noOfficer")));
    }

    const unit = p.unit;
    if (unit && unit.name) {
      card.append(el("h3", "", t("card.unit")));
      card.append(el("p", "", unit.name));
      if (unit.address) card.append(el("p", "", unit.address));
      if (unit.phone) card.append(row(t("card.phone"), link(telHref(unit.phone), unit.phone)));
    }

    const plan = p.plan;
    if (plan) {
      card.append(el("h3", "", t("card.plan")));
      if (plan.period) card.append(row(t("card.planPeriod"), document.createTextNode(formatPeriod(plan.period))));
      if (plan.threat) card.append(row(t("card.threat"), document.createTextNode(plan.threat)));
      if (plan.goal) card.append(row(t("card.goal"), document.createTextNode(plan.goal)));
      if (Array.isArray(plan.actions) && plan.actions.length > 0) {
        card.append(el("p", "", `${t("card.actions")}:`));
        const list = el("ul");
        for (const action of plan.actions) list.append(el("li", "", action));
        card.append(list);
      }
    }
    card.append(el("p", "note", t("emergency")));
  }

  function row(label, value) {
    const p = el("p");
    p.append(el("span", "label", `${label}: `), value);
    return p;
  }

  /** "2026-08-01/2027-01-31" → "01.08.2026 – 31.01.2027" (in the page's language). */
  function formatPeriod(period) {
    const parts = String(period).split("/");
    if (parts.length !== 2) return String(period);
    return parts.map((d) => formatDate(`${d}T12:00:00Z`) || d).join(" – ");
  }

  // ---- the point for "Zgłoś przez Telegram"

  let pin = null;
  map.on("click", (event) => {
    const point = event.latlng.wrap();
    if (!pin) pin = L.circleMarker(point, { radius: 8, color: "#1c6fae", weight: 3, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(map);
    else pin.setLatLng(point);
    if (!reportLink || !data.bot) return;
    // Telegram's start parameter allows only A-Z a-z 0-9 _ - (64 at most): the decimal point is written "d",
    // so 49.8225, 19.0444 becomes map_49d8225_19d0444 (a minus sign stays "-"); at most 22 characters.
    const enc = (n) => n.toFixed(4).replace(".", "d");
    reportLink.href = `https://t.me/${data.bot}?start=map_${enc(point.lat)}_${enc(point.lng)}`;
    reportLink.textContent = t("reportHere");
    reportLink.title = t("pointChosen", { lat: coordFormat.format(point.lat), lon: coordFormat.format(point.lng) });
  });

  writeState();
  loadDistricts();
  loadReports();
})();
