import { Initial1763600000000 } from './1763600000000-Initial';
import { SourcesAndPreparation1763700000000 } from './1763700000000-SourcesAndPreparation';
import { ApiKeysAndPrompts1763800000000 } from './1763800000000-ApiKeysAndPrompts';
import { Generation1763900000000 } from './1763900000000-Generation';
import { SamplesAndSplits1764000000000 } from './1764000000000-SamplesAndSplits';
import { Exports1764100000000 } from './1764100000000-Exports';
import { Evaluations1764200000000 } from './1764200000000-Evaluations';
import { JobOwnersAndDatasetChanges1764500000000 } from './1764500000000-JobOwnersAndDatasetChanges';

// Listed explicitly (no globbing) so that the build, the CLI and the tests see the same set.
export const migrations = [Initial1763600000000, SourcesAndPreparation1763700000000, ApiKeysAndPrompts1763800000000, Generation1763900000000, SamplesAndSplits1764000000000, Exports1764100000000, Evaluations1764200000000, JobOwnersAndDatasetChanges1764500000000];
