// The sandbox's chat page: a small Telegram client for four personas, talking to the sandbox server's
// JSON API. Plain ES modules, no framework, no build step; it must work offline.
import { renderFormatted } from "./format.js";
import { describePlace, districtShapes, height, loadDistricts, miniMap, project, svgEl, unproject, width } from "./map.js";

const $ = (id) => document.getElementById(id);
const els = {
  personas: $("personas"),
  chatTitle: $("chat-title"),
  chatStatus: $("chat-status"),
  chatTabs: $("chat-tabs"),
  messages: $("messages"),
  emptyHint: $("empty-hint"),
  composer: $("composer"),
  input: $("composer-input"),
  attach: $("attach-input"),
  locationButton: $("location-button"),
  commandsButton: $("commands-button"),
  commandsDialog: $("commands-dialog"),
  commandsList: $("commands-list"),
  keyboard: $("reply-keyboard"),
  keyboardToggle: $("keyboard-toggle"),
  composeBanner: $("compose-banner"),
  composeBannerText: $("compose-banner-text"),
  composeCancel: $("compose-cancel"),
  toast: $("toast"),
  mapDialog: $("map-dialog"),
  map: $("map"),
  mapReadout: $("map-readout"),
  mapSend: $("map-send"),
  mapZoomIn: $("map-zoom-in"),
  mapZoomOut: $("map-zoom-out"),
};

const state = {
  config: null,
  persona: null,
  chatId: 0,
  /** Chats with bot messages the viewer has not opened yet. */
  unread: new Set(),
  /** message id → { el, key } of the bubbles on screen. */
  rendered: new Map(),
  commands: [],
  keyboard: null,
  keyboardOpen: true,
  /** Composer mode: editing an own message, or replying to one. */
  editing: null,
  replyTo: null,
  /** Force-reply prompts already opened, so closing a reply does not reopen it. */
  forced: new Set(),
  typingTimer: 0,
  /** Increases on every chat switch: answers for an older chat are dropped. */
  generation: 0,
  loading: false,
  reloadQueued: false,
  connected: true,
  /** The view follows new messages while the reader is at the bottom. */
  pinned: true,
};

// ---------------------------------------------------------------------------------------------
// Server

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

const target = () => ({ persona: state.persona.key, chat: state.chatId });

async function act(path, body) {
  try {
    const result = await api(path, { ...target(), ...body });
    void loadChat();
    return result;
  } catch (error) {
    toast(`Nie udało się: ${error.message}`, true);
    return undefined;
  }
}

function toast(text, alert = false) {
  els.toast.textContent = "";
  const generation = state.generation;
  // A fresh text node, so screen readers announce the same text twice in a row too.
  requestAnimationFrame(() => {
    if (generation !== state.generation) return; // the chat changed meanwhile
    els.toast.textContent = text;
    els.toast.classList.toggle("alert", alert);
    els.toast.classList.add("visible");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => els.toast.classList.remove("visible"), alert ? 6000 : 3500);
  });
}

// ---------------------------------------------------------------------------------------------
// Personas and chats

function personaOfChat(chatId) {
  return state.config.personas.filter((p) => p.chats.some((c) => c.id === chatId));
}

/** "New messages" mark: a dot for the eye, words for screen readers. */
function unreadMark() {
  const mark = el("span", "unread");
  const dot = el("span", "unread-dot", "●");
  dot.setAttribute("aria-hidden", "true");
  mark.append(dot, el("span", "visually-hidden", " (nowe wiadomości)"));
  return mark;
}

/** Builds the persona buttons once; later calls only update them, so keyboard focus stays put. */
function renderPersonas() {
  if (!els.personas.childElementCount) {
    els.personas.replaceChildren(
      ...state.config.personas.map((p) => {
        const li = el("li");
        const button = el("button", "persona");
        button.type = "button";
        button.dataset.persona = p.key;
        const avatar = el("span", `avatar avatar-${p.key}`, p.firstName[0]);
        avatar.setAttribute("aria-hidden", "true");
        const text = el("span", "persona-text");
        const name = el("span", "persona-name");
        name.append(el("span", "", p.firstName), el("span", "persona-last", p.name.slice(p.firstName.length)));
        const linked = p.key === "oskar" && state.config.officerLink?.linked ? ` Jako: ${state.config.officerLink.as}.` : "";
        text.append(name, el("span", "persona-role", p.role), el("span", "persona-hint", p.hint + linked));
        button.append(avatar, text, unreadMark());
        button.addEventListener("click", () => selectChat(p.key, p.chats[0].id));
        li.append(button);
        return li;
      }),
    );
  }
  for (const button of els.personas.querySelectorAll(".persona")) {
    const p = state.config.personas.find((x) => x.key === button.dataset.persona);
    button.setAttribute("aria-pressed", String(p.key === state.persona?.key));
    button.querySelector(".unread").hidden = !p.chats.some((c) => state.unread.has(c.id));
  }
}

function renderChatTabs() {
  const chats = state.persona.chats;
  const focused = els.chatTabs.contains(document.activeElement) ? document.activeElement.dataset.chat : undefined;
  els.chatTabs.hidden = chats.length < 2;
  els.chatTabs.replaceChildren(
    ...chats.map((c) => {
      const button = el("button", "chat-tab", c.type === "private" ? "Czat z botem" : c.title);
      button.type = "button";
      button.dataset.chat = String(c.id);
      button.setAttribute("aria-pressed", String(c.id === state.chatId));
      if (state.unread.has(c.id) && c.id !== state.chatId) button.append(unreadMark());
      button.addEventListener("click", () => selectChat(state.persona.key, c.id));
      return button;
    }),
  );
  if (focused) els.chatTabs.querySelector(`[data-chat="${focused}"]`)?.focus();
}

function selectChat(personaKey, chatId) {
  const persona = state.config.personas.find((p) => p.key === personaKey) ?? state.config.personas[0];
  const chat = persona.chats.find((c) => c.id === chatId) ?? persona.chats[0];
  const changed = state.persona?.key !== persona.key || state.chatId !== chat.id;
  state.persona = persona;
  state.chatId = chat.id;
  state.unread.delete(chat.id);
  history.replaceState(null, "", `#${persona.key}${chat.type === "private" ? "" : `/${chat.id}`}`);
  document.title = `${persona.firstName} — Dzielnicowy, piaskownica`;
  renderPersonas();
  renderChatTabs();
  if (changed) {
    state.generation++;
    // A button's answer belongs to the chat where it was pressed.
    clearTimeout(toast.timer);
    els.toast.classList.remove("visible");
    state.rendered.clear();
    els.messages.querySelectorAll(".msg").forEach((el) => el.remove());
    state.keyboard = null;
    state.keyboardOpen = true;
    resetComposer();
    els.chatTitle.textContent = chat.type === "private" ? "Dzielnicowy" : chat.title;
    els.messages.setAttribute("aria-label", `Wiadomości: ${chat.type === "private" ? "czat z botem Dzielnicowy" : chat.title}, jako ${persona.firstName}`);
  }
  void loadChat(true);
}

// ---------------------------------------------------------------------------------------------
// Messages

async function loadChat(scrollToEnd = false) {
  if (state.loading) {
    state.reloadQueued = true;
    return;
  }
  state.loading = true;
  const generation = state.generation;
  try {
    const data = await api(`/api/chat?persona=${encodeURIComponent(state.persona.key)}&chat=${state.chatId}`);
    if (generation !== state.generation) return;
    // Opening a chat draws its whole history: screen readers should announce new messages, not that.
    if (scrollToEnd) els.messages.setAttribute("aria-live", "off");
    renderChat(data, scrollToEnd);
    if (scrollToEnd) setTimeout(() => els.messages.setAttribute("aria-live", "polite"), 100);
  } catch (error) {
    toast(`Nie udało się wczytać czatu: ${error.message}`, true);
  } finally {
    state.loading = false;
    if (state.reloadQueued) {
      state.reloadQueued = false;
      void loadChat();
    }
  }
}

function renderChat(data, scrollToEnd) {
  const seen = new Set();
  let prev = els.emptyHint;
  let ownNew = false;
  for (const m of data.messages) {
    seen.add(m.id);
    const key = JSON.stringify(m);
    let entry = state.rendered.get(m.id);
    if (!entry || entry.key !== key) {
      const el = renderMessage(m, data.chat);
      if (entry) replaceKeepingFocus(entry.el, el);
      else if (m.out) ownNew = true;
      entry = { el, key };
      state.rendered.set(m.id, entry);
    }
    if (prev.nextElementSibling !== entry.el) prev.after(entry.el);
    prev = entry.el;
  }
  for (const [id, entry] of state.rendered) {
    if (!seen.has(id)) {
      entry.el.remove();
      state.rendered.delete(id);
    }
  }
  els.emptyHint.hidden = data.messages.length > 0;
  // A bot question sent with force_reply opens a reply to it, as Telegram's apps do.
  const last = data.messages.at(-1);
  if (last?.forceReply && !last.out && !state.forced.has(`${state.chatId}:${last.id}`)) {
    state.forced.add(`${state.chatId}:${last.id}`);
    startReply(last, last.forceReply.placeholder);
  }
  setTyping(data.typing);
  state.commands = data.commands;
  els.commandsButton.hidden = data.commands.length === 0;
  renderKeyboard(data.replyKeyboard);
  // Last, once the bot's keyboard has taken its room: the end of the chat stays in view.
  if (scrollToEnd || ownNew) state.pinned = true;
  if (state.pinned) scrollToBottom();
}

function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

/** The message list's height as last seen: its changes are layout, not the reader scrolling. */
let boxHeight = 0;
els.messages.addEventListener("scroll", () => {
  const box = els.messages;
  // The bot's keyboard opening shrinks the list, and the browser reports that as a scroll before
  // the ResizeObserver below runs: only the reader's own scrolling may unpin the view.
  if (box.clientHeight !== boxHeight) return;
  state.pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
});
// Pictures loading and the bot's keyboard opening change the height: stay at the end if there.
new ResizeObserver(() => {
  boxHeight = els.messages.clientHeight;
  if (state.pinned) scrollToBottom();
}).observe(els.messages);

function setTyping(typing) {
  clearTimeout(state.typingTimer);
  const chat = state.persona.chats.find((c) => c.id === state.chatId);
  const idle = !state.connected ? "brak połączenia z piaskownicą" : chat.type === "private" ? "bot" : "grupa · z botem Dzielnicowy";
  els.chatStatus.textContent = typing ? "Dzielnicowy pisze…" : idle;
  els.chatStatus.classList.toggle("typing", Boolean(typing));
  if (typing) state.typingTimer = setTimeout(() => setTyping(false), 5000);
}

function replaceKeepingFocus(oldEl, newEl) {
  const focused = document.activeElement;
  const hadFocus = oldEl.contains(focused);
  const data = hadFocus ? focused.dataset.cb : undefined;
  oldEl.replaceWith(newEl);
  if (!hadFocus) return;
  // After an edit the same button (or the message itself) keeps the keyboard focus.
  const same = data !== undefined ? [...newEl.querySelectorAll("[data-cb]")].find((b) => b.dataset.cb === data) : undefined;
  (same ?? newEl.querySelector(".ikb:not([disabled])") ?? newEl).focus();
}

const time = (seconds) => new Date(seconds * 1000).toLocaleTimeString("pl-PL", { hour: "2-digit", minute: "2-digit" });

function formatSize(bytes) {
  if (bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderMessage(m, chat) {
  const article = el("article", `msg ${m.out ? "out" : "in"}${m.sender.bot ? " from-bot" : ""}`);
  article.dataset.id = String(m.id);
  article.tabIndex = -1;
  const bubble = el("div", "bubble");
  // Who wrote it: visible in groups, always there for screen readers.
  const who = m.out ? "Ty" : m.sender.name;
  const sender = el("p", chat.type === "private" || m.out ? "sender visually-hidden" : "sender", `${who}${chat.type === "private" || m.out ? ":" : ""}`);
  bubble.append(sender);
  if (m.forwardedFrom) bubble.append(el("p", "forwarded", `Przekazano od: ${m.forwardedFrom}`));
  if (m.replyTo) {
    const quote = el("blockquote", "reply-quote");
    quote.append(el("span", "reply-sender", m.replyTo.sender), el("span", "reply-preview", m.replyTo.preview));
    bubble.append(quote);
  }
  if (m.photo) {
    const link = el("a", "photo");
    link.href = `/api/file/${encodeURIComponent(m.photo.fileId)}`;
    link.target = "_blank";
    link.rel = "noopener";
    const img = el("img");
    img.src = link.href;
    img.alt = m.text ? `Zdjęcie: ${m.text}` : "Zdjęcie";
    // The box has its final size before the picture arrives, so the chat does not jump.
    img.style.aspectRatio = `${m.photo.width} / ${m.photo.height}`;
    img.addEventListener("load", () => state.pinned && scrollToBottom());
    link.append(img);
    bubble.append(link);
  }
  if (m.document) {
    const link = el("a", "document");
    link.href = `/api/file/${encodeURIComponent(m.document.fileId)}`;
    link.download = m.document.fileName;
    link.append(el("span", "doc-icon", "📄"));
    const info = el("span", "doc-info");
    info.append(
      el("span", "doc-name", m.document.fileName),
      el("span", "doc-size", [formatSize(m.document.size), m.document.mimeType].filter(Boolean).join(" · ")),
    );
    link.append(info);
    link.setAttribute("aria-label", `Pobierz plik ${m.document.fileName}`);
    bubble.append(link);
  }
  if (m.location) {
    const figure = el("figure", "location");
    figure.append(miniMap(m.location.lat, m.location.lon));
    const caption = el("figcaption");
    if (m.venue) caption.append(el("strong", "", m.venue.title), document.createElement("br"), m.venue.address, document.createElement("br"));
    caption.append(`📍 ${describePlace(m.location.lat, m.location.lon)}`);
    figure.append(caption);
    bubble.append(figure);
  }
  if (m.contact) bubble.append(el("p", "contact", `👤 ${m.contact.name}, ${m.contact.phone}`));
  if (m.other) bubble.append(el("p", "other", m.other));
  if (m.text !== undefined) {
    const text = el("div", "text");
    text.append(renderFormatted(m.text, m.entities, { onCommand: (command) => void act("/api/send", { text: command }) }));
    bubble.append(text);
  }
  const meta = el("p", "meta");
  if (m.edited) meta.append(el("span", "edited", "edytowano"), " ");
  const t = el("time", "", time(m.date));
  t.dateTime = new Date(m.date * 1000).toISOString();
  meta.append(t);
  const reply = el("button", "msg-action", "↩");
  reply.type = "button";
  reply.title = "Odpowiedz";
  reply.setAttribute("aria-label", `Odpowiedz na wiadomość od ${who}`);
  reply.addEventListener("click", () => startReply(m));
  meta.append(" ", reply);
  if (m.out && m.text !== undefined && !m.photo && !m.document) {
    const edit = el("button", "msg-action", "✎");
    edit.type = "button";
    edit.title = "Edytuj";
    edit.setAttribute("aria-label", "Edytuj tę wiadomość");
    edit.addEventListener("click", () => startEditing(m));
    meta.append(edit);
  }
  bubble.append(meta);
  article.append(bubble);
  if (m.inlineKeyboard) article.append(renderInlineKeyboard(m));
  return article;
}

function renderInlineKeyboard(m) {
  const box = el("div", "inline-kb");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Przyciski pod wiadomością");
  for (const row of m.inlineKeyboard) {
    const line = el("div", "ikb-row");
    for (const b of row) {
      if (b.url) {
        const a = el("a", "ikb", `${b.text} ↗`);
        a.href = b.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        line.append(a);
        continue;
      }
      const button = el("button", "ikb", b.text);
      button.type = "button";
      if (b.data !== undefined) {
        button.dataset.cb = b.data;
        button.addEventListener("click", () => pressInline(button, m.id, b.data));
      } else if (b.copyText !== undefined) {
        button.addEventListener("click", () => navigator.clipboard?.writeText(b.copyText).then(() => toast("Skopiowano")));
      } else {
        button.disabled = true;
        button.title = `Nieobsługiwany w piaskownicy: ${b.unsupported}`;
      }
      line.append(button);
    }
    box.append(line);
  }
  return box;
}

async function pressInline(button, messageId, data) {
  if (button.getAttribute("aria-busy") === "true") return;
  button.setAttribute("aria-busy", "true");
  const generation = state.generation;
  const answer = await act("/api/press", { messageId, data });
  button.removeAttribute("aria-busy");
  if (generation !== state.generation) return; // answered after the reader left the chat
  if (answer?.text) toast(answer.text, answer.showAlert);
  if (answer?.url) window.open(answer.url, "_blank", "noopener");
}

// ---------------------------------------------------------------------------------------------
// Reply keyboard and composer

function renderKeyboard(keyboard) {
  const previous = state.keyboard;
  state.keyboard = keyboard;
  if (keyboard && previous?.messageId !== keyboard.messageId) state.keyboardOpen = true;
  if (state.replyTo === null) els.input.placeholder = keyboard?.placeholder || "Wiadomość";
  els.keyboardToggle.hidden = !keyboard;
  const open = Boolean(keyboard) && state.keyboardOpen;
  els.keyboardToggle.setAttribute("aria-expanded", String(open));
  els.keyboardToggle.querySelector(".visually-hidden").textContent = open ? "Ukryj klawiaturę bota" : "Pokaż klawiaturę bota";
  els.keyboard.hidden = !open;
  if (!keyboard || JSON.stringify(keyboard) === els.keyboard.dataset.key) return;
  els.keyboard.dataset.key = JSON.stringify(keyboard);
  const focusedText = els.keyboard.contains(document.activeElement) ? document.activeElement.textContent : undefined;
  els.keyboard.replaceChildren(
    ...keyboard.rows.map((row) => {
      const line = el("div", "rkb-row");
      for (const b of row) {
        const button = el("button", "rkb", b.text);
        button.type = "button";
        if (b.request === "location") button.setAttribute("aria-haspopup", "dialog");
        if (b.request === "unsupported") {
          button.disabled = true;
          button.title = "Nieobsługiwany w piaskownicy";
        }
        button.addEventListener("click", () => pressReplyButton(b));
        line.append(button);
      }
      return line;
    }),
  );
  if (focusedText !== undefined) [...els.keyboard.querySelectorAll("button")].find((b) => b.textContent === focusedText)?.focus();
}

function pressReplyButton(button) {
  if (state.keyboard?.oneTime) {
    state.keyboardOpen = false;
    renderKeyboard(state.keyboard);
  }
  if (button.request === "location") return openMap();
  if (button.request === "contact") {
    if (confirm("Udostępnić botowi Twój (przykładowy) numer telefonu?")) void act("/api/contact", {});
    return;
  }
  void act("/api/send", { text: button.text });
}

function showBanner(label, detail) {
  const strong = el("strong", "", label);
  els.composeBannerText.replaceChildren(strong, ` ${detail}`);
  els.composeBanner.hidden = false;
  els.composeCancel.setAttribute("aria-label", state.editing !== null ? "Anuluj edycję" : "Anuluj odpowiedź");
}

function startEditing(message) {
  resetComposer();
  state.editing = message.id;
  showBanner("Edycja:", message.text);
  els.input.value = message.text;
  els.input.focus();
}

function startReply(message, placeholder) {
  resetComposer();
  const preview = message.text ?? (message.photo ? "Zdjęcie" : message.document ? message.document.fileName : message.location ? "Lokalizacja" : "…");
  state.replyTo = message.id;
  showBanner(`Odpowiedź do: ${message.out ? "siebie" : message.sender.name}`, preview.length > 90 ? `${preview.slice(0, 87)}…` : preview);
  if (placeholder) els.input.placeholder = placeholder;
  els.input.focus();
}

function resetComposer() {
  state.editing = null;
  state.replyTo = null;
  els.composeBanner.hidden = true;
  els.input.placeholder = state.keyboard?.placeholder || "Wiadomość";
}

/** What goes with the next message: the reply it is, if any. Clears the reply mode. */
function takeReply() {
  const replyTo = state.replyTo;
  if (replyTo !== null) resetComposer();
  return replyTo !== null ? { replyTo } : {};
}

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = els.input.value.trim();
  if (!text) return;
  els.input.value = "";
  if (state.editing !== null) {
    const messageId = state.editing;
    resetComposer();
    void act("/api/edit", { messageId, text });
  } else {
    void act("/api/send", { text, ...takeReply() });
  }
});
els.composeCancel.addEventListener("click", () => {
  if (state.editing !== null) els.input.value = "";
  resetComposer();
  els.input.focus();
});
els.input.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !els.composeBanner.hidden) {
    event.preventDefault();
    els.composeCancel.click();
  }
});
els.keyboardToggle.addEventListener("click", () => {
  state.keyboardOpen = !state.keyboardOpen;
  renderKeyboard(state.keyboard);
});

const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
els.attach.addEventListener("change", async () => {
  const file = els.attach.files?.[0];
  els.attach.value = "";
  if (!file) return;
  if (file.size > 10 * 1024 * 1024) return toast("Plik jest większy niż 10 MB.", true);
  const data = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  // The text typed so far goes along as the caption, as in Telegram's attach dialog.
  const caption = els.input.value.trim();
  els.input.value = "";
  if (PHOTO_TYPES.has(file.type)) await act("/api/photo", { data, caption, ...takeReply() });
  else await act("/api/document", { data, caption, fileName: file.name, mimeType: file.type, ...takeReply() });
});

els.commandsButton.addEventListener("click", () => {
  els.commandsList.replaceChildren(
    ...state.commands.map((c) => {
      const li = el("li");
      const button = el("button", "command-item");
      button.type = "button";
      button.append(el("span", "command-name", `/${c.command}`), el("span", "command-desc", c.description));
      button.addEventListener("click", () => {
        els.commandsDialog.close();
        void act("/api/send", { text: `/${c.command}` });
        els.input.focus();
      });
      li.append(button);
      return li;
    }),
  );
  els.commandsDialog.showModal();
});

// ---------------------------------------------------------------------------------------------
// Location picker

const map = { cx: 0, cy: 0, zoom: 1, point: { lat: 0, lon: 0 }, crosshair: null, labels: null };

function buildMap(serviceArea) {
  els.map.setAttribute("viewBox", `0 0 ${width} ${height}`);
  els.map.setAttribute("preserveAspectRatio", "xMidYMid meet");
  els.map.append(svgEl("rect", { x: 0, y: 0, width, height, class: "map-bg" }), districtShapes({ withTitles: true, withLabels: true }));
  const [w, s, e, n] = serviceArea.bbox;
  const [x1, y1] = project(n, w);
  const [x2, y2] = project(s, e);
  const area = svgEl("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1, class: "service-area" });
  const title = svgEl("title");
  title.textContent = `Obszar przyjmowania zgłoszeń: ${serviceArea.name}`;
  area.append(title);
  map.crosshair = svgEl("g", { class: "crosshair", "aria-hidden": "true" });
  map.crosshair.append(svgEl("circle", { r: 9 }), svgEl("path", { d: "M-16 0H-5M5 0H16M0 -16V-5M0 5V16" }), svgEl("circle", { r: 2, class: "dot" }));
  els.map.append(area, map.crosshair);
  map.labels = els.map.querySelector(".district-labels");
  map.point = { lat: (s + n) / 2, lon: (w + e) / 2 };
  // Open on the service area (the city), where the small districts are; − shows the whole county.
  map.zoom = Math.max(1, Math.min(width / (x2 - x1), height / (y2 - y1)) * 0.92);
  [map.cx, map.cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
  updateMap();
}

function updateMap() {
  const w = width / map.zoom;
  const h = height / map.zoom;
  // Keep the crosshair in view, panning when it leaves.
  const [px, py] = project(map.point.lat, map.point.lon);
  if (px < map.cx - w / 2 || px > map.cx + w / 2) map.cx = px;
  if (py < map.cy - h / 2 || py > map.cy + h / 2) map.cy = py;
  map.cx = Math.min(Math.max(map.cx, w / 2), width - w / 2);
  map.cy = Math.min(Math.max(map.cy, h / 2), height - h / 2);
  els.map.setAttribute("viewBox", `${map.cx - w / 2} ${map.cy - h / 2} ${w} ${h}`);
  els.map.style.setProperty("--zoom", String(map.zoom));
  map.crosshair.setAttribute("transform", `translate(${px} ${py}) scale(${1 / map.zoom})`);
  els.mapReadout.textContent = `Celownik: ${describePlace(map.point.lat, map.point.lon)}`;
}

function zoomBy(factor) {
  map.zoom = Math.min(16, Math.max(1, map.zoom * factor));
  [map.cx, map.cy] = project(map.point.lat, map.point.lon);
  updateMap();
}

function openMap() {
  els.mapDialog.showModal();
  updateMap();
  els.map.focus();
}

function sendPoint(point) {
  els.mapDialog.close();
  void act("/api/location", { lat: Number(point.lat.toFixed(6)), lon: Number(point.lon.toFixed(6)), ...takeReply() });
  els.input.focus();
}

function mapPointFromEvent(event) {
  const pt = els.map.createSVGPoint();
  pt.x = event.clientX;
  pt.y = event.clientY;
  const p = pt.matrixTransform(els.map.getScreenCTM().inverse());
  return unproject(p.x, p.y);
}

els.map.addEventListener("click", (event) => {
  map.point = mapPointFromEvent(event);
  updateMap();
  sendPoint(map.point);
});
els.map.addEventListener("keydown", (event) => {
  const step = (event.shiftKey ? 40 : 8) / map.zoom; // map units: about 0.3 km (or 1.5 km) at full view
  const [x, y] = project(map.point.lat, map.point.lon);
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (moves[event.key]) {
    const [dx, dy] = moves[event.key];
    map.point = unproject(Math.min(Math.max(x + dx, 0), width), Math.min(Math.max(y + dy, 0), height));
    updateMap();
  } else if (event.key === "+" || event.key === "=") zoomBy(2);
  else if (event.key === "-" || event.key === "_") zoomBy(0.5);
  else if (event.key === "Enter" || event.key === " ") sendPoint(map.point);
  else return;
  event.preventDefault();
});
els.mapSend.addEventListener("click", () => sendPoint(map.point));
els.mapZoomIn.addEventListener("click", () => zoomBy(2));
els.mapZoomOut.addEventListener("click", () => zoomBy(0.5));
els.locationButton.addEventListener("click", openMap);

// ---------------------------------------------------------------------------------------------
// Live updates

function listen() {
  const events = new EventSource("/api/events");
  events.onopen = () => {
    if (!state.connected) {
      state.connected = true;
      void loadChat();
    }
  };
  events.onerror = () => {
    state.connected = false;
    if (state.persona) setTyping(false);
  };
  events.onmessage = (event) => {
    const activity = JSON.parse(event.data);
    if (activity.chatId === state.chatId) {
      void loadChat();
      return;
    }
    if (activity.source !== "bot" || activity.method === "sendChatAction") return;
    if (personaOfChat(activity.chatId).length === 0) return;
    state.unread.add(activity.chatId);
    renderPersonas();
    renderChatTabs();
  };
}

// For the end-to-end test: where a place is on screen when the map is open.
window.__sandbox = {
  mapClientPoint(lat, lon) {
    const [x, y] = project(lat, lon);
    const pt = els.map.createSVGPoint();
    pt.x = x;
    pt.y = y;
    const p = pt.matrixTransform(els.map.getScreenCTM());
    return { x: p.x, y: p.y };
  },
};

async function main() {
  const [config, geojson] = await Promise.all([api("/api/config"), fetch("/districts.geojson").then((r) => r.json())]);
  state.config = config;
  if (config.publicMap) {
    $("public-map").href = config.publicMap;
    $("public-map").hidden = false;
  }
  loadDistricts(geojson);
  $("map-defs").append(districtShapes({ id: "district-shapes" }));
  buildMap(config.serviceArea);
  const [key, chat] = location.hash.slice(1).split("/");
  listen();
  selectChat(key || config.personas[0].key, Number(chat));
  document.body.dataset.ready = "true";
}

main().catch((error) => toast(`Piaskownica nie odpowiada: ${error.message}`, true));
