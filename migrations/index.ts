import { Initial1763600000000 } from './1763600000000-Initial';
import { SourcesAndPreparation1763700000000 } from './1763700000000-SourcesAndPreparation';
import { ApiKeysAndPrompts1763800000000 } from './1763800000000-ApiKeysAndPrompts';
import { Generation1763900000000 } from './1763900000000-Generation';

// Listed explicitly (no globbing) so that the build, the CLI and the tests see the same set.
export const migrations = [Initial1763600000000, SourcesAndPreparation1763700000000, ApiKeysAndPrompts1763800000000, Generation1763900000000];
