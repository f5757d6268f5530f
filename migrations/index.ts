import { Initial1763600000000 } from './1763600000000-Initial';
import { SourcesAndPreparation1763700000000 } from './1763700000000-SourcesAndPreparation';

// Listed explicitly (no globbing) so that the build, the CLI and the tests see the same set.
export const migrations = [Initial1763600000000, SourcesAndPreparation1763700000000];
