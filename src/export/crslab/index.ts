export * from './options';
export { crslabDialogueBatches, planCrslabExport, CRSLAB_SPLITS } from './stream';
export type { CrslabDialogueBatch, CrslabPlan, CrslabSplit } from './stream';
export type { CrslabRecord, CrslabUtterance } from './records';
export { CrslabSelfCheckError } from './self-check';
export type { SelfCheckReport } from './self-check';
export { writeCrslabExport } from './writer';
