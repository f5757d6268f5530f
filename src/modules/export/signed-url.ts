import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Config } from '../../config/config';
import { toGlobalId } from '../../pagination/global-id';

/**
 * Short-lived signed download URLs (`Export.downloadUrl(expiresIn)`): a browser can follow a link
 * but cannot add an `Authorization` header, so an operator mints a URL that carries its own proof
 * — HMAC-SHA256 over the export id, the expiry and the minting key with a server secret — instead
 * of a cookie session the API does not otherwise have. The link names the operator key that minted
 * it and is signed over that key's current secret hash, so revoking the key (or giving it a new
 * secret) ends every link it minted, not only the key's own requests.
 */

/** Settings key of the generated secret, shared by every API process of one database. */
const SETTING_KEY = 'exportDownloadSecret';
/** The longest lifetime a caller may ask for: long enough for a slow click, short enough to leak little. */
export const MAX_EXPIRES_IN_S = 24 * 60 * 60;

/** api_keys.id is a SERIAL (PostgreSQL integer). */
const MAX_KEY_ID = 2 ** 31 - 1;

const secrets = new WeakMap<EntityManager, Promise<Buffer>>();

/**
 * RECDIAL_DOWNLOAD_SECRET, or else a random secret stored once in `settings` (first writer wins,
 * so several API processes over one database sign and verify alike).
 */
export function downloadSecret(manager: EntityManager, config: Pick<Config, 'downloadSecret'>): Promise<Buffer> {
  if (config.downloadSecret) return Promise.resolve(Buffer.from(config.downloadSecret, 'utf8'));
  let secret = secrets.get(manager);
  if (!secret) {
    secret = (async () => {
      await manager.query(`INSERT INTO settings (key, value) VALUES ($1, to_jsonb($2::text)) ON CONFLICT (key) DO NOTHING`, [SETTING_KEY, randomBytes(32).toString('hex')]);
      const [row] = await manager.query(`SELECT value FROM settings WHERE key = $1`, [SETTING_KEY]);
      return Buffer.from(String(row.value), 'hex');
    })();
    secret.catch(() => secrets.delete(manager));
    secrets.set(manager, secret);
  }
  return secret;
}

/** The operator key a link is bound to: its row id and its current secret hash. */
export interface SigningKey {
  id: number;
  hash: string;
}

function signature(secret: Buffer, exportId: number, expires: number, key: SigningKey): Buffer {
  return createHmac('sha256', secret).update(`export-download:${exportId}:${expires}:${key.id}:${key.hash}`).digest();
}

/** `/exports/<global id>/download?expires=<unix s>&key=<key id>&signature=<hex>`. */
export function signedDownloadPath(secret: Buffer, exportId: number, expires: number, key: SigningKey): string {
  return `/exports/${toGlobalId('Export', exportId)}/download?expires=${expires}&key=${key.id}&signature=${signature(secret, exportId, expires, key).toString('hex')}`;
}

/**
 * Why a signed request is refused, or null when it is good. `keyHash` gives the current secret
 * hash of an active operator key by id (null when it is revoked or gone).
 */
export async function checkSignature(
  secret: Buffer,
  exportId: number,
  query: { expires?: unknown; key?: unknown; signature?: unknown },
  keyHash: (id: number) => Promise<string | null>,
  now = Date.now(),
): Promise<string | null> {
  if (typeof query.expires !== 'string' || !/^\d{1,12}$/.test(query.expires)) return 'expires must be a unix time in seconds';
  // At most api_keys.id's integer range, so that a made-up id is refused here, not by PostgreSQL as a 500.
  if (typeof query.key !== 'string' || !/^\d{1,10}$/.test(query.key) || Number(query.key) > MAX_KEY_ID) return 'key must be the id of the key that minted the link';
  if (typeof query.signature !== 'string' || !/^[0-9a-f]{64}$/.test(query.signature)) return 'signature must be 64 hex digits';
  const expires = Number(query.expires);
  if (expires * 1000 < now) return 'the download link has expired; ask the API for a new downloadUrl';
  const id = Number(query.key);
  const hash = await keyHash(id);
  // Compare in constant time so the signature cannot be guessed byte by byte from response times.
  // A revoked key and a forged signature read alike: the link says nothing about which keys exist.
  if (hash === null || !timingSafeEqual(signature(secret, exportId, expires, { id, hash }), Buffer.from(query.signature, 'hex'))) {
    return 'the signature does not match this export and expiry, or the key that minted the link was revoked';
  }
  return null;
}
