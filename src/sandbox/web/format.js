// Renders a Telegram message's text from its entities, as Telegram's apps do. Text is only ever
// inserted as text nodes: whatever a user or the bot wrote cannot become markup on this page.

const SAFE_LINK = /^(https?:|mailto:|tel:|tg:)/i;

/**
 * @param {string} text
 * @param {Array<{type: string, offset: number, length: number, url?: string, language?: string}>} entities
 * @param {{ onCommand?: (command: string) => void }} [options]
 * @returns {DocumentFragment}
 */
export function renderFormatted(text, entities = [], options = {}) {
  const sorted = entities
    .filter((e) => e.length > 0 && e.offset >= 0 && e.offset < text.length)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const fragment = document.createDocumentFragment();
  build(fragment, text, sorted, 0, text.length, options);
  return fragment;
}

function build(parent, text, entities, start, end, options) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const e = entities[i];
    const from = Math.max(e.offset, pos);
    const to = Math.min(e.offset + e.length, end);
    if (from >= to) {
      i++;
      continue;
    }
    if (from > pos) parent.append(text.slice(pos, from));
    // Entities starting inside this one are its children (clamped to it if they overlap its end).
    let j = i + 1;
    while (j < entities.length && entities[j].offset < to) j++;
    const { outer, inner } = elementFor(e, text.slice(from, to), options);
    build(inner, text, entities.slice(i + 1, j), from, to, options);
    parent.append(outer);
    pos = to;
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function link(href) {
  const a = document.createElement("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

function elementFor(entity, slice, options) {
  const make = (tag, className) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    return { outer: el, inner: el };
  };
  switch (entity.type) {
    case "bold":
      return make("strong");
    case "italic":
      return make("em");
    case "underline":
      return make("u");
    case "strikethrough":
      return make("s");
    case "spoiler":
      return make("span", "spoiler");
    case "code":
      return make("code");
    case "pre": {
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      if (entity.language) code.dataset.language = entity.language;
      pre.append(code);
      return { outer: pre, inner: code };
    }
    case "blockquote":
    case "expandable_blockquote":
      return make("blockquote");
    case "text_link":
      if (entity.url && SAFE_LINK.test(entity.url)) return single(link(entity.url));
      return make("span", "link-unsafe");
    case "url": {
      const href = /^[a-z][a-z0-9+.-]*:/i.test(slice) ? slice : `https://${slice}`;
      return SAFE_LINK.test(href) ? single(link(href)) : make("span");
    }
    case "email":
      return single(link(`mailto:${slice}`));
    case "phone_number":
      return single(link(`tel:${slice.replace(/[^\d+]/g, "")}`));
    case "bot_command":
      if (options.onCommand) {
        // Tapping a /command in a message sends it, as in Telegram.
        const button = document.createElement("button");
        button.type = "button";
        button.className = "linklike";
        button.addEventListener("click", () => options.onCommand(slice));
        return { outer: button, inner: button };
      }
      return make("span", "command");
    case "mention":
    case "hashtag":
    case "cashtag":
    case "text_mention":
      return make("span", "mention");
    default:
      return make("span");
  }
}

function single(el) {
  return { outer: el, inner: el };
}
