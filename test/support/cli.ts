import { Command } from 'commander';

/**
 * Runs `recdial <args>` in-process against a test database (DATABASE_URL set for the call):
 * `register` adds the command group under test to a fresh program. Returns what it printed
 * with console.log and what it wrote to stdout; a CliError (or any error) is thrown as is.
 */
export async function runCli(databaseUrl: string, register: (program: Command) => void, args: string[]): Promise<{ logs: string[]; stdout: string }> {
  const program = new Command('recdial').exitOverride().configureOutput({ writeErr: () => undefined });
  register(program);
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  const logs: string[] = [];
  const stdout: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void logs.push(String(line)));
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (stdout.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    log.mockRestore();
    write.mockRestore();
    err.mockRestore();
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
  return { logs, stdout: stdout.join('') };
}
