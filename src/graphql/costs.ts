/**
 * The cost of one field that scans the whole selection (datasetStatistics, diversity, the
 * evaluation and export mutations): seconds of CPU and database time, not one row. Set on those
 * fields as their type-graphql `complexity`; at the default limit of 50,000 one fits in a
 * request with room to spare, ten aliases of it do not.
 */
export const CORPUS_FIELD_COST = 10_000;
