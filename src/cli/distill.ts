import { Command } from 'commander';

export function registerDistillationCommands(_program: Command, _exportCommand: Command): void {}
