import { Command } from 'commander';
import { ApiKeyError, createApiKey, isApiKeyRole, listApiKeys, revokeApiKey } from '../modules/api-key/api-key.service';
import { withDatabase } from './common';

/** `recdial keys create|list|revoke`. */
export function registerKeysCommands(program: Command): void {
  const keysCommand = program.command('keys').description('API keys: operators may run mutations and downloads, readers only read');

  keysCommand
    .command('create')
    .description('create a key and print its secret once (only its hash is stored)')
    .requiredOption('--name <name>', 'a unique name, recorded as the creator of runs and prompt versions')
    .option('--role <role>', 'operator or reader', 'operator')
    .action(async (opts: { name: string; role: string }) => {
      if (!isApiKeyRole(opts.role)) throw new ApiKeyError(`--role must be operator or reader, got "${opts.role}"`);
      const key = await withDatabase((db) => createApiKey(db.dataSource.manager, { name: opts.name, role: opts.role }));
      console.log(`Created ${key.role} key "${key.name}". Its secret is shown only now:\n${key.secret}`);
    });

  keysCommand
    .command('list')
    .description('list keys (names, roles, last use; never secrets)')
    .action(async () => {
      const keys = await withDatabase((db) => listApiKeys(db.dataSource.manager));
      for (const k of keys) {
        console.log(`${k.name}\t${k.role}\t${k.revokedAt ? 'revoked' : 'active'}\tlast used ${k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never'}`);
      }
      if (keys.length === 0) console.log('No keys yet: `recdial keys create --name NAME`.');
    });

  keysCommand
    .command('revoke')
    .description('revoke a key by name')
    .argument('<name>')
    .action(async (name: string) => {
      const revoked = await withDatabase((db) => revokeApiKey(db.dataSource.manager, name));
      if (!revoked) throw new ApiKeyError(`no active key named "${name}"`);
      console.log(`Revoked "${name}".`);
    });
}
