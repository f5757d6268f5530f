import { Command } from 'commander';

export function registerEvalRecCommands(_command: Command): void {}
