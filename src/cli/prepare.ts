import { Command, InvalidArgumentError } from 'commander';
import { prepare, PrepareError } from '../prepare/prepare';
import { nonNegativeInt, positiveInt, withDatabase } from './common';

function starRating(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 5) throw new InvalidArgumentError('expected a star rating from 1 to 5');
  return n;
}

/** `recdial prepare`: users, histories and stereotype draws from imported reviews. */
export function registerPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description("build users' histories, targets, liked/disliked items and stereotype assignments from imported Amazon reviews")
    .option('--domain <name>', 'Amazon category', 'Movies_and_TV')
    .option('--strategy <name>', 'stereotype (DistillRecDial, docs/pipeline.md §2) or goal-template (LLM-REDIAL view, §11.1)', 'stereotype')
    .option('--k-core <k>', 'k of the iterative k-core (default 12; 10 for goal-template)', positiveInt)
    .option('--history <n>', 'history items before the target', positiveInt, 9)
    .option('--target-min-rating <n>', 'stereotype: the target is the latest review rated at least n (1–5); users without one are skipped (NO_TARGET)', starRating)
    .option('--seed <n>', 'seed of the stereotype assignment', nonNegativeInt, 42)
    .option('--tmdb-match', 'keep only items with a tmdb_movies.json record (default: when the domain has TMDB items)')
    .option('--no-tmdb-match', 'do not require a tmdb_movies.json record')
    .option('--min-words <n>', 'goal-template: shortest review kept, in words', positiveInt, 20)
    .option('--max-words <n>', 'goal-template: longest review kept, in words', positiveInt, 400)
    .option('--quiet', 'no progress output')
    .action(async (opts: { domain: string; strategy: string; kCore?: number; history: number; targetMinRating?: number; seed: number; tmdbMatch?: boolean; minWords: number; maxWords: number; quiet?: boolean }) => {
      const strategies = { stereotype: 'STEREOTYPE', 'goal-template': 'GOAL_TEMPLATE' } as const;
      const strategy = strategies[opts.strategy as keyof typeof strategies];
      if (!strategy) throw new PrepareError(`--strategy must be stereotype or goal-template (got "${opts.strategy}")`);
      if (strategy === 'GOAL_TEMPLATE' && opts.targetMinRating !== undefined) throw new PrepareError('--target-min-rating applies to the stereotype strategy only (goal-template has no target)');
      const report = await withDatabase((db) =>
        prepare(db.dataSource, {
          domain: opts.domain,
          strategy,
          kCore: opts.kCore,
          historySize: opts.history,
          targetMinRating: opts.targetMinRating,
          seed: opts.seed,
          tmdbMatch: opts.tmdbMatch,
          minWords: opts.minWords,
          maxWords: opts.maxWords,
          log: opts.quiet ? undefined : (line) => console.error(line),
        }),
      );
      const perStereotype = Object.entries(report.usersPerStereotype).map(([k, n]) => `${k}: ${n}`).join(', ');
      console.log(
        `Prepared ${report.users} users of ${report.config.domain} (${report.coreUsers} core users, ${report.coreItems} core items, ` +
          `${report.interactions} interactions after ${report.kCoreRounds.length} k-core rounds; preparation ${report.preparationId}).` +
          (perStereotype && report.users ? `\nStereotypes (seed ${report.config.seed}): ${perStereotype}.` : '') +
          (report.noUsersExplanation ? `\n${report.noUsersExplanation}` : ''),
      );
    });
}
