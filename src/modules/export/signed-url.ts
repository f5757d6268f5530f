import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Config } from '../../config/config';
import { toGlobalId } from '../../pagination/global-id';

/**
 * Short-lived signed download URLs (`Export.downloadUrl(expiresIn)`): a browser can follow a link
 * but cannot add an `Authorization` header, so an operator mints a URL that carries its own proof
 * — HMAC-SHA256 over the export id and the expiry with a server secret — instead of a cookie
 * session the API does not otherwise have.
 */

/** Settings key of the generated secret, shared by every API process of one database. */
const SETTING_KEY = 'exportDownloadSecret';
/** The longest lifetime a caller may ask for: long enough for a slow click, short enough to leak little. */
export const MAX_EXPIRES_IN_S = 24 * 60 * 60;

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

function signature(secret: Buffer, exportId: number, expires: number): Buffer {
  return createHmac('sha256', secret).update(`export-download:${exportId}:${expires}`).digest();
}

/** `/exports/<global id>/download?expires=<unix s>&signature=<hex>`. */
export function signedDownloadPath(secret: Buffer, exportId: number, expires: number): string {
  return `/exports/${toGlobalId('Export', exportId)}/download?expires=${expires}&signature=${signature(secret, exportId, expires).toString('hex')}`;
}

/** Why a signed request is refused, or null when it is good. */
export function checkSignature(secret: Buffer, exportId: number, expiresRaw: unknown, signatureRaw: unknown, now = Date.now()): string | null {
  if (typeof expiresRaw !== 'string' || !/^\d{1,12}$/.test(expiresRaw)) return 'expires must be a unix time in seconds';
  if (typeof signatureRaw !== 'string' || !/^[0-9a-f]{64}$/.test(signatureRaw)) return 'signature must be 64 hex digits';
  const expires = Number(expiresRaw);
  if (expires * 1000 < now) return 'the download link has expired; ask the API for a new downloadUrl';
  // Compare in constant time so the signature cannot be guessed byte by byte from response times.
  if (!timingSafeEqual(signature(secret, exportId, expires), Buffer.from(signatureRaw, 'hex'))) return 'the signature does not match this export and expiry';
  return null;
}
