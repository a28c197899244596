/** Escapes text for Telegram's HTML parse mode; every piece of user text rendered as HTML goes through this. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
