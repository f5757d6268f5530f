import { Command } from 'commander';

export function registerCrslabExportCommand(_command: Command): void {}
