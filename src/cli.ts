import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config';
import { PendingMigrationsError } from './db/database';
import { ImportError, InputFileError } from './ingest/errors';
import { ImportFailed } from './ingest/import-run';
import { lineLimits } from './ingest/lines';
import { PrepareError } from './prepare/prepare';
import { ApiKeyError } from './modules/api-key/api-key.service';
import { CliError } from './cli/common';
import { registerDistillationCommands } from './cli/distill';
import { registerEvalCompareCommands } from './cli/eval-compare';
import { registerEvalRecCommands } from './cli/eval-rec';
import { registerEvalStatsCommands } from './cli/eval-stats';
import { registerExportCommands } from './cli/export';
import { registerCrslabExportCommand } from './cli/export-crslab';
import { registerGenerateCommands, registerInteractiveEvalCommand } from './cli/generate';
import { registerImportCommands } from './cli/import';
import { registerJudgeReadCommands, registerPromptCommands, registerRubricCommands } from './cli/judgements';
import { registerKeysCommands } from './cli/keys';
import { registerPrepareCommand } from './cli/prepare';
import { registerSchemaCommand, registerServeCommands, registerWorkerCommand } from './cli/server';

// Read at run time from the package root (dist/ holds no package.json).
const { version } = JSON.parse(fs.readFileSync(path.join(loadConfig({}).rootDir, 'package.json'), 'utf8')) as { version: string };

export const program = new Command('recdial')
  .description('A GraphQL server for conversational-recommendation datasets')
  .version(version, '-V, --version', 'print the version of recdial')
  .showHelpAfterError()
  // The readers take their line limit from here rather than through every importer's options.
  .hook('preAction', () => {
    lineLimits.maxBytes = loadConfig().maxLineBytes;
  });

// Each command group lives in src/cli/<group>.ts; registered in the order `recdial --help` lists them.
registerServeCommands(program);
registerImportCommands(program);
registerPrepareCommand(program);
registerWorkerCommand(program);
registerGenerateCommands(program);
registerRubricCommands(program);
registerPromptCommands(program);
registerKeysCommands(program);

const exportCommand = program.command('export').description('write a slice of the dataset in another format');
registerExportCommands(exportCommand);
registerCrslabExportCommand(exportCommand);
registerDistillationCommands(program, exportCommand);
const evalCommand = program.command('eval').description('dataset statistics and evaluation metrics');
registerEvalStatsCommands(evalCommand);
registerEvalRecCommands(evalCommand);
registerEvalCompareCommands(evalCommand);
registerInteractiveEvalCommand(evalCommand);
registerJudgeReadCommands(evalCommand);

registerSchemaCommand(program);

/** Runs the command line; a failure prints one line (no stack trace unless unexpected) and resolves to exit code 1. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (
      error instanceof ImportFailed ||
      error instanceof ImportError ||
      error instanceof InputFileError ||
      error instanceof ConfigError ||
      error instanceof PendingMigrationsError ||
      error instanceof PrepareError ||
      error instanceof ApiKeyError ||
      error instanceof CliError
    ) {
      console.error(`recdial: ${error.message}`);
    } else {
      console.error('recdial: unexpected error:', error);
    }
    return 1;
  }
}

// bin/recdial calls main itself; tests import `program` and `main` without running anything.
if (require.main === module) {
  void main(process.argv).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
