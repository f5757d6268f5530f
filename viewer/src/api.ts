import { createClient, type Client } from 'graphql-ws';

/**
 * The viewer's only data source: the public GraphQL API of the server that serves it (POST
 * /graphql, and graphql-ws on the same path for live progress). A key saved in the settings box
 * is sent with every request: an operator key for the operator-only fields (signed download
 * links), any key on a server that needs one for queries (RECDIAL_REQUIRE_KEY_FOR_QUERIES).
 */

const KEY_STORAGE = 'recdial.operatorKey';

/**
 * An operator key may mint download links and run mutations, so by default it lives in
 * sessionStorage (this tab, until it is closed); only "Remember on this browser" puts it in
 * localStorage, where it outlives the tab.
 */
function stored(storage: () => Storage): string | null {
  try {
    return storage().getItem(KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

export function operatorKey(): string | null {
  return stored(() => sessionStorage) ?? stored(() => localStorage);
}

/** Whether the saved key is remembered beyond this tab. */
export function operatorKeyRemembered(): boolean {
  return stored(() => localStorage) !== null;
}

export function setOperatorKey(key: string | null, remember = false): void {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
    if (key) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
  } catch {
    // Storage disabled (a private window's policy): the key is simply not kept.
  }
  // The socket authenticated with the old key; the next subscription opens a new one.
  void client?.dispose();
  client = null;
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const key = operatorKey();
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = await res.json();
  } catch {
    throw new GraphQLRequestError(`the API answered ${res.status} without JSON`, undefined);
  }
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), first.extensions?.code);
  }
  return body.data as T;
}

let client: Client | null = null;

/** One graphql-ws connection for the whole page, opened on first use. */
export function subscriptions(): Client {
  if (!client) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    client = createClient({
      url,
      lazy: true,
      retryAttempts: 3,
      connectionParams: () => {
        const key = operatorKey();
        return key ? { Authorization: `Bearer ${key}` } : {};
      },
    });
  }
  return client;
}

/** Calls `onData` with every value of a subscription until the returned function is called. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, onError: (error: unknown) => void): () => void {
  return subscriptions().subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) onError(new Error(value.errors.map((e) => e.message).join('; ')));
        else if (value.data) onData(value.data as T);
      },
      error: onError,
      complete: () => undefined,
    },
  );
}
