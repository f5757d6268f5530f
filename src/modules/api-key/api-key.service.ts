import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ConfigError } from '../../config/config';
import { API_KEY_ROLES, ApiKeyRole } from '../../db/schema/api-key.entity';

/** Who called: the API key's row id, name and role. `null` in a Context means no key was presented. */
export interface Principal {
  id: number;
  name: string;
  role: ApiKeyRole;
}

export interface ApiKeyInfo {
  name: string;
  role: ApiKeyRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** One `name:role:secret` entry of RECDIAL_API_KEYS. */
export interface ApiKeySeed {
  name: string;
  role: ApiKeyRole;
  secret: string;
}

/** A key operation that cannot be done (duplicate name, unknown key); the message says why. */
export class ApiKeyError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** How stale `last_used_at` may get before a request writes it again (one write per key per minute). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * SHA-256 hex of a secret. Generated secrets are 32 random bytes, so a fast unsalted hash is
 * enough: there is no low-entropy password to brute-force, and verification stays one index probe.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new secret: `rdk_` + 32 random bytes, base64url. */
export function generateSecret(): string {
  return `rdk_${randomBytes(32).toString('base64url')}`;
}

export function isApiKeyRole(value: string): value is ApiKeyRole {
  return (API_KEY_ROLES as readonly string[]).includes(value);
}

function checkName(name: string): string | null {
  return NAME.test(name) ? null : `name "${name}" must be 1 to 64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit`;
}

/**
 * Parses RECDIAL_API_KEYS: comma-separated `name:role:secret` entries (the secret may itself
 * contain ":"; blanks around entries and empty entries are ignored). Errors name the entry by
 * position and name, never by its secret.
 */
export function parseApiKeySpec(spec: string): ApiKeySeed[] {
  const seeds: ApiKeySeed[] = [];
  const names = new Set<string>();
  const secrets = new Set<string>();
  spec.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (!entry) return;
    const where = `RECDIAL_API_KEYS entry ${index + 1}`;
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (second < 0) {
      // An entry without colons may be a bare secret: name it by position only.
      throw new ConfigError(`${where}${first < 0 ? '' : ` ("${entry.slice(0, first).trim()}")`} must be name:role:secret`);
    }
    const name = entry.slice(0, first).trim();
    const role = entry.slice(first + 1, second).trim();
    const secret = entry.slice(second + 1).trim();
    const label = `${where} ("${name}")`;
    const badName = checkName(name);
    if (badName) throw new ConfigError(`${label}: ${badName}`);
    if (!isApiKeyRole(role)) throw new ConfigError(`${label}: role must be ${API_KEY_ROLES.join(' or ')}, got "${role}"`);
    if (!secret) throw new ConfigError(`${label}: the secret is empty`);
    if (/\s/.test(secret)) throw new ConfigError(`${label}: the secret must not contain whitespace`);
    if (names.has(name)) throw new ConfigError(`${label}: the name "${name}" appears twice`);
    if (secrets.has(secret)) throw new ConfigError(`${label}: the secret is the same as an earlier entry's`);
    names.add(name);
    secrets.add(secret);
    seeds.push({ name, role, secret });
  });
  return seeds;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === '23505' && name === constraint;
}

/** Creates a key with a fresh secret; the secret is returned once and only its hash is stored. */
export async function createApiKey(manager: EntityManager, input: { name: string; role: string }): Promise<{ name: string; role: ApiKeyRole; secret: string }> {
  const badName = checkName(input.name);
  if (badName) throw new ApiKeyError(badName);
  if (!isApiKeyRole(input.role)) throw new ApiKeyError(`role must be ${API_KEY_ROLES.join(' or ')}, got "${input.role}"`);
  const secret = generateSecret();
  try {
    await manager.query('INSERT INTO api_keys (name, role, secret_hash) VALUES ($1, $2, $3)', [input.name, input.role, hashSecret(secret)]);
  } catch (error) {
    if (isUniqueViolation(error, 'api_keys_name_key')) throw new ApiKeyError(`a key named "${input.name}" already exists; revoke it or choose another name`);
    throw error;
  }
  return { name: input.name, role: input.role, secret };
}

/**
 * Upserts the keys of RECDIAL_API_KEYS by name. A revoked key stays revoked while its secret is
 * unchanged (restarting a container does not undo `recdial keys revoke`); a new secret for the
 * name is a new key and is active.
 */
export async function seedApiKeys(manager: EntityManager, spec: string): Promise<ApiKeySeed[]> {
  const seeds = parseApiKeySpec(spec);
  for (const seed of seeds) {
    try {
      await manager.query(
        `INSERT INTO api_keys (name, role, secret_hash) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, secret_hash = EXCLUDED.secret_hash,
           revoked_at = CASE WHEN api_keys.secret_hash = EXCLUDED.secret_hash THEN api_keys.revoked_at END`,
        [seed.name, seed.role, hashSecret(seed.secret)],
      );
    } catch (error) {
      if (isUniqueViolation(error, 'api_keys_secret_hash_key')) {
        throw new ConfigError(`RECDIAL_API_KEYS entry "${seed.name}": its secret already belongs to another key`);
      }
      throw error;
    }
  }
  return seeds;
}

/** The principal of a secret, or null when no active key has it. Touches `last_used_at` at most once a minute. */
export async function verifyApiKey(manager: EntityManager, secret: string): Promise<Principal | null> {
  if (!secret) return null;
  const hash = hashSecret(secret);
  const rows: Array<{ id: number; name: string; role: ApiKeyRole; last_used_at: Date | null }> = await manager.query(
    'SELECT id, name, role, last_used_at FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL',
    [hash],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
    await manager.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
  }
  return { id: row.id, name: row.name, role: row.role };
}

/**
 * The secret hash of an active operator key, by row id; null when the key is revoked, no longer an
 * operator's, or gone. Signed download links are bound to it (signed-url.ts), so revoking the key
 * that minted a link — or giving that key a new secret — ends the link too.
 */
export async function activeOperatorKeyHash(manager: EntityManager, id: number): Promise<string | null> {
  const rows: Array<{ secret_hash: string }> = await manager.query(`SELECT secret_hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL AND role = 'operator'`, [id]);
  return rows[0]?.secret_hash ?? null;
}

/** Revokes the active key of that name; false when there is none. */
export async function revokeApiKey(manager: EntityManager, name: string): Promise<boolean> {
  // TypeORM answers an UPDATE … RETURNING with [rows, affected].
  const [rows]: [Array<{ id: number }>, number] = await manager.query('UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id', [name]);
  return rows.length > 0;
}

/** Every key, revoked ones included, by name (never the secret or its hash). */
export async function listApiKeys(manager: EntityManager): Promise<ApiKeyInfo[]> {
  const rows: Array<{ name: string; role: ApiKeyRole; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }> = await manager.query(
    'SELECT name, role, created_at, last_used_at, revoked_at FROM api_keys ORDER BY name COLLATE "C"',
  );
  return rows.map((r) => ({ name: r.name, role: r.role, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}
