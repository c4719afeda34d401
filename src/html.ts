/** Escapes text for HTML content and attribute values (as numeric references). The one copy for every page. */
export function escapeHtml(text: unknown): string {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
