import { Initial1763600000000 } from './1763600000000-Initial';
import { SourcesAndPreparation1763700000000 } from './1763700000000-SourcesAndPreparation';
import { ApiKeysAndPrompts1763800000000 } from './1763800000000-ApiKeysAndPrompts';
import { Generation1763900000000 } from './1763900000000-Generation';
import { SamplesAndSplits1764000000000 } from './1764000000000-SamplesAndSplits';
import { Exports1764100000000 } from './1764100000000-Exports';
import { Evaluations1764200000000 } from './1764200000000-Evaluations';
import { EvaluationSamples1764700000000 } from './1764700000000-EvaluationSamples';
import { DialogueSearch1764300000000 } from './1764300000000-DialogueSearch';
import { JobOwnersAndDatasetChanges1764500000000 } from './1764500000000-JobOwnersAndDatasetChanges';
import { Judges1765100000000 } from './1765100000000-Judges';
import { InteractiveEvaluation1765200000000 } from './1765200000000-InteractiveEvaluation';
import { ItemTitleSearch1765500000000 } from './1765500000000-ItemTitleSearch';

// Listed explicitly (no globbing) so that the build, the CLI and the tests see the same set.
export const migrations = [Initial1763600000000, SourcesAndPreparation1763700000000, ApiKeysAndPrompts1763800000000, Generation1763900000000, SamplesAndSplits1764000000000, Exports1764100000000, Evaluations1764200000000, DialogueSearch1764300000000, JobOwnersAndDatasetChanges1764500000000, EvaluationSamples1764700000000, Judges1765100000000, InteractiveEvaluation1765200000000, ItemTitleSearch1765500000000];
