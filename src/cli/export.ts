import { Command } from 'commander';

export function registerExportCommands(_command: Command): void {}
