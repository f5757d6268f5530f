import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const API_KEY_ROLES = ['operator', 'reader'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/**
 * An API key: who may call mutations (operator) or, when the server requires a key for queries,
 * read (reader). Only the SHA-256 of the secret is stored; the secret is shown once at creation.
 */
@Entity('api_keys')
@Check('api_keys_role_check', `"role" IN ('operator', 'reader')`)
export class ApiKeyEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('api_keys_name_key', { unique: true })
  @Column('text')
  name: string;

  @Column('text')
  role: ApiKeyRole;

  /**
   * SHA-256 (hex) of the secret. Secrets are 32 random bytes (or operator-chosen in
   * RECDIAL_API_KEYS), not human passwords, so a fast unsalted hash is enough: there is nothing to
   * brute-force, and lookup by hash stays one index probe.
   */
  @Index('api_keys_secret_hash_key', { unique: true })
  @Column('text', { name: 'secret_hash' })
  secretHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
