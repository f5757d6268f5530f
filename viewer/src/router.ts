/** Client-side routing under /viewer: every page has its own URL, filters in the query string. */

export const BASE = '/viewer';

export interface PageContext {
  /** Path segments after the page name, decoded. */
  params: string[];
  query: URLSearchParams;
  /** Registers work to stop when the page is left (subscriptions, timers). */
  onLeave(fn: () => void): void;
  /** Goes to another viewer URL; `replace` keeps the history entry (filter edits). */
  navigate(url: string, options?: { replace?: boolean }): void;
}

export type Page = (ctx: PageContext) => Promise<{ title: string; content: Node }>;

/** A viewer URL with the given query (empty values left out, so URLs stay short and shareable). */
export function viewerUrl(path: string, query: Record<string, string | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

export const paths = {
  dialogue: (id: string) => `${BASE}/dialogues/${encodeURIComponent(id)}`,
  item: (asin: string) => `${BASE}/items/${encodeURIComponent(asin)}`,
  user: (id: string) => `${BASE}/users/${encodeURIComponent(id)}`,
};
