// Plugin metadata is untrusted: markdown goes through marked, then DOMPurify (no scripts,
// event handlers or javascript: URLs; data: images stay, which the CSP allows).
import DOMPurify from "dompurify";
import { marked } from "marked";

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
