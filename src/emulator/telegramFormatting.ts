// Telegram's server-side parsing of `parse_mode` text, close enough to the real one that the
// fake rejects what Telegram rejects (an unescaped "<" in HTML, a bare "." in MarkdownV2) with
// the same descriptions, and stores plain text plus entities as a real Message carries them.
import type { MessageEntity } from "grammy/types";

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** Thrown with the exact description Telegram uses after "Bad Request: can't parse entities: ". */
export class EntityParseError extends Error {}

export type ParseMode = "HTML" | "MarkdownV2" | "Markdown";

export const PARSE_MODES: readonly ParseMode[] = ["HTML", "MarkdownV2", "Markdown"];

export function parseFormatted(source: string, parseMode: ParseMode | undefined): FormattedText {
  switch (parseMode) {
    case undefined:
      return { text: source, entities: [] };
    case "HTML":
      return parseHtml(source);
    case "MarkdownV2":
      return parseMarkdownV2(source);
    case "Markdown":
      return parseLegacyMarkdown(source);
  }
}

// Error positions are UTF-8 byte offsets into the source, entity positions UTF-16 offsets into
// the resulting text (JavaScript string indices), as in the Bot API.
const byteOffset = (source: string, index: number): number => Buffer.byteLength(source.slice(0, index));

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset || b.length - a.length);
}

// ---------------------------------------------------------------------------------------------
// HTML

const HTML_ENTITY_TYPES: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const NAMED_CHAR_REFS: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  attributes: Record<string, string>;
  start: number;
  language?: string;
}

/** Decodes the character reference at `i` (&lt; &gt; &amp; &quot; &#NN; &#xNN;), if it is one. */
function charRef(source: string, i: number): { decoded: string; length: number } | undefined {
  const ref = /^&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/i.exec(source.slice(i, i + 12));
  const name = ref?.[1];
  if (!ref || !name) return undefined;
  const decoded = /^#x/i.test(name)
    ? String.fromCodePoint(parseInt(name.slice(2), 16))
    : name.startsWith("#")
      ? String.fromCodePoint(parseInt(name.slice(1), 10))
      : NAMED_CHAR_REFS[name.toLowerCase()];
  return decoded === undefined ? undefined : { decoded, length: ref[0].length };
}

function decodeCharRefs(value: string): string {
  let out = "";
  for (let i = 0; i < value.length;) {
    const ref = value[i] === "&" ? charRef(value, i) : undefined;
    out += ref ? ref.decoded : value[i];
    i += ref ? ref.length : 1;
  }
  return out;
}

// Follows Telegram's (tdlib's) parser: a tag name runs to the first space or ">", unknown
// character references stay literal text.
function parseHtml(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "&") {
      const ref = charRef(source, i);
      text += ref ? ref.decoded : c;
      i += ref ? ref.length : 1;
      continue;
    }
    if (c !== "<") {
      text += c;
      i += 1;
      continue;
    }
    const at = byteOffset(source, i);

    if (source[i + 1] === "/") {
      const close = source.indexOf(">", i);
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${at}`);
      const name = source
        .slice(i + 2, close)
        .trim()
        .toLowerCase();
      i = close + 1;
      const top = open.pop();
      if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${at}`);
      if (top.name !== name) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${at}, expected "</${top.name}>", found "</${name}>"`);
      }
      const parent = open[open.length - 1];
      const languageClass = top.attributes.class;
      if (top.name === "code" && parent?.name === "pre") {
        // <pre><code class="language-x"> is one pre entity with a language.
        if (languageClass?.startsWith("language-")) parent.language = languageClass.slice(9);
        continue;
      }
      entities.push(htmlEntity(top, text.length - top.start));
      continue;
    }

    let j = i + 1;
    while (j < source.length && !/\s/.test(source[j]!) && source[j] !== ">") j += 1;
    if (j >= source.length) throw new EntityParseError(`Unclosed start tag at byte offset ${at}`);
    const name = source.slice(i + 1, j).toLowerCase();
    if (!(name in HTML_ENTITY_TYPES)) {
      throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${at}`);
    }
    const attributes: Record<string, string> = {};
    const attribute = /\s*(?:([a-zA-Z0-9-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?)?\s*/y;
    for (;;) {
      attribute.lastIndex = j;
      const m = attribute.exec(source)!;
      j = attribute.lastIndex;
      if (m[1] !== undefined) attributes[m[1].toLowerCase()] = decodeCharRefs(m[2] ?? m[3] ?? m[4] ?? "");
      if (source[j] === ">") break;
      if (j >= source.length) throw new EntityParseError(`Unclosed start tag at byte offset ${at}`);
      if (m[1] === undefined) {
        throw new EntityParseError(`Empty attribute name in the tag "${name}" at byte offset ${at}`);
      }
    }
    i = j + 1;
    if (name === "span" && attributes.class !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
    }
    open.push({ name, attributes, start: text.length });
  }
  const unclosed = open.pop();
  if (unclosed) {
    throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  return { text, entities: sortEntities(entities) };
}

function htmlEntity(tag: OpenTag, length: number): MessageEntity {
  const offset = tag.start;
  const type = HTML_ENTITY_TYPES[tag.name]!;
  switch (type) {
    case "text_link":
      return { type, offset, length, url: tag.attributes.href ?? "" };
    case "pre":
      return tag.language === undefined ? { type, offset, length } : { type, offset, length, language: tag.language };
    case "custom_emoji":
      return { type, offset, length, custom_emoji_id: tag.attributes["emoji-id"] ?? "" };
    case "blockquote":
      return { type: "expandable" in tag.attributes ? "expandable_blockquote" : type, offset, length };
    default:
      return { type, offset, length } as MessageEntity;
  }
}

// ---------------------------------------------------------------------------------------------
// MarkdownV2

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";

interface OpenMarker {
  marker: string;
  type: "bold" | "italic" | "underline" | "strikethrough" | "spoiler" | "code" | "pre" | "text_link";
  start: number;
  at: number;
}

const MDV2_MARKERS: [string, OpenMarker["type"]][] = [
  ["```", "pre"],
  ["__", "underline"],
  ["||", "spoiler"],
  ["_", "italic"],
  ["*", "bold"],
  ["~", "strikethrough"],
  ["`", "code"],
  ["[", "text_link"],
];

// The names Telegram prints in "Can't find end of X entity".
const MDV2_TYPE_NAMES: Record<OpenMarker["type"], string> = {
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  strikethrough: "Strikethrough",
  spoiler: "Spoiler",
  code: "Code",
  pre: "Pre",
  text_link: "TextUrl",
};

function parseMarkdownV2(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenMarker[] = [];
  let quoteStart: number | undefined;
  let i = 0;
  const reserved = (c: string) => new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);

  while (i < source.length) {
    const c = source[i]!;
    const top = open[open.length - 1];
    const lineStart = i === 0 || source[i - 1] === "\n";

    if (c === "\\" && i + 1 < source.length) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n" && quoteStart !== undefined && source[i + 1] !== ">") {
      entities.push({ type: "blockquote", offset: quoteStart, length: text.length - quoteStart });
      quoteStart = undefined;
    }
    // Inside code only the closing backticks are special.
    if (top && (top.type === "code" || top.type === "pre")) {
      if (source.startsWith(top.marker, i)) {
        open.pop();
        const body = text.slice(top.start);
        if (top.type === "pre") {
          // The first line of a pre block names its language.
          const newline = body.indexOf("\n");
          const language = newline > 0 ? body.slice(0, newline) : "";
          if (language && !/\s/.test(language)) {
            text = text.slice(0, top.start) + body.slice(newline + 1);
            entities.push({ type: "pre", offset: top.start, length: text.length - top.start, language });
          } else {
            entities.push({ type: "pre", offset: top.start, length: text.length - top.start });
          }
        } else {
          entities.push({ type: "code", offset: top.start, length: text.length - top.start });
        }
        i += top.marker.length;
      } else {
        text += c;
        i += 1;
      }
      continue;
    }
    if (!MDV2_RESERVED.includes(c)) {
      text += c;
      i += 1;
      continue;
    }
    if (c === ">" && lineStart) {
      quoteStart ??= text.length;
      i += 1;
      continue;
    }
    if (c === "]" && top?.type === "text_link") {
      open.pop();
      const urlMatch = /^\(((?:\\.|[^)\\])*)\)/.exec(source.slice(i + 1));
      if (urlMatch) {
        const url = urlMatch[1]!.replace(/\\(.)/g, "$1");
        entities.push({ type: "text_link", offset: top.start, length: text.length - top.start, url });
        i += 1 + urlMatch[0].length;
      } else {
        i += 1;
      }
      continue;
    }
    const closing = top && source.startsWith(top.marker, i) ? top : undefined;
    if (closing) {
      open.pop();
      const length = text.length - closing.start;
      entities.push({ type: closing.type, offset: closing.start, length } as MessageEntity);
      i += closing.marker.length;
      continue;
    }
    const opening = MDV2_MARKERS.find(([marker]) => source.startsWith(marker, i));
    if (!opening) throw reserved(c);
    open.push({ marker: opening[0], type: opening[1], start: text.length, at: byteOffset(source, i) });
    i += opening[0].length;
  }
  if (quoteStart !== undefined) {
    entities.push({ type: "blockquote", offset: quoteStart, length: text.length - quoteStart });
  }
  const unclosed = open.pop();
  if (unclosed) {
    const type = MDV2_TYPE_NAMES[unclosed.type];
    throw new EntityParseError(`Can't find end of ${type} entity at byte offset ${unclosed.at}`);
  }
  return { text, entities: sortEntities(entities) };
}

// ---------------------------------------------------------------------------------------------
// Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting.

function parseLegacyMarkdown(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\" && "*_`[".includes(source[i + 1] ?? "")) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (!"*_`[".includes(c)) {
      text += c;
      i += 1;
      continue;
    }
    const marker = c === "`" && source.startsWith("```", i) ? "```" : c === "[" ? "]" : c;
    const bodyStart = i + (marker === "```" ? 3 : 1);
    const end = source.indexOf(marker, bodyStart);
    if (end < 0) {
      throw new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(source, i)}`);
    }
    const body = source.slice(bodyStart, end);
    const offset = text.length;
    text += body;
    i = end + marker.length;
    if (marker === "]") {
      const urlMatch = /^\(([^)]*)\)/.exec(source.slice(i));
      if (urlMatch) {
        entities.push({ type: "text_link", offset, length: body.length, url: urlMatch[1]! });
        i += urlMatch[0].length;
      }
      continue;
    }
    const type = marker === "*" ? "bold" : marker === "_" ? "italic" : marker === "`" ? "code" : "pre";
    entities.push({ type, offset, length: body.length });
  }
  return { text, entities: sortEntities(entities) };
}
