import { Command } from 'commander';

export function registerEvalStatsCommands(_command: Command): void {}
