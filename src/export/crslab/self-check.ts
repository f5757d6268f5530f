import type { CrslabEntityTable } from './entities';
import type { CrslabFlavor } from './options';
import type { SelfCheckOffender } from './records';

export const SELF_CHECKS = {
  R1: 'every movies name resolves to an entity that is in movie_ids.json',
  R2: 'every entity name resolves to an entity',
  R3: 'entity names are unique',
  R4: 'upstream: entity ids are 0..N-1, every KG id is an entity, concept2id.json is non-empty and covers conceptnet_subkg.txt',
  R5: 'every text token is a key of token2id.json',
  R6: '.built line 2 is the version string',
  R7: 'the same inputs and options give byte-identical files',
} as const;

export interface SelfCheckReport {
  passed: boolean;
  checks: Record<keyof typeof SELF_CHECKS, { rule: string; passed: boolean; offenders: number }>;
  /** The first offenders (at most 100). */
  offenders: SelfCheckOffender[];
}

/** The export was refused: `report` lists the offenders; nothing was left in the output folder. */
export class CrslabSelfCheckError extends Error {
  readonly code = 'CRSLAB_SELF_CHECK_FAILED';
  constructor(readonly report: SelfCheckReport) {
    const failed = Object.entries(report.checks).filter(([, c]) => !c.passed);
    const first = report.offenders[0];
    super(
      `CRSLab self-check failed (${failed.map(([k, c]) => `${k}: ${c.offenders} offender${c.offenders === 1 ? '' : 's'}`).join(', ')})` +
        (first ? `; first: ${first.check} ${first.where}: ${first.problem}` : ''),
    );
    this.name = 'CrslabSelfCheckError';
  }
}

export function selfCheckReport(offenders: SelfCheckOffender[], counts: Partial<Record<keyof typeof SELF_CHECKS, number>>): SelfCheckReport {
  const checks = {} as SelfCheckReport['checks'];
  for (const [key, rule] of Object.entries(SELF_CHECKS) as Array<[keyof typeof SELF_CHECKS, string]>) {
    const n = counts[key] ?? offenders.filter((o) => o.check === key).length;
    checks[key] = { rule, passed: n === 0, offenders: n };
  }
  return { passed: Object.values(checks).every((c) => c.passed), checks, offenders: offenders.slice(0, 100) };
}

/** R3 and R4 on the entity table and KG, before the files are written. */
export function checkEntityTable(table: CrslabEntityTable, flavor: CrslabFlavor): SelfCheckOffender[] {
  const offenders: SelfCheckOffender[] = [];
  const owners = new Map<string, string>();
  for (const e of table.entities) {
    const other = owners.get(e.name);
    if (other !== undefined) offenders.push({ check: 'R3', where: 'entity2id.json', problem: `"${e.name}" names both ${other} and ${e.rawId}` });
    else owners.set(e.name, e.rawId);
  }
  if (flavor === 'upstream') {
    table.entities.forEach((e, i) => {
      if (e.id !== i) offenders.push({ check: 'R4', where: 'entity2id.json', problem: `entity ${e.rawId} has id ${e.id} at position ${i}` });
    });
    const n = table.entities.length;
    for (const [head, , tail] of table.triples) {
      for (const id of [head, tail]) {
        if (!(Number.isInteger(id) && id >= 0 && id < n)) offenders.push({ check: 'R4', where: 'dbpedia_subkg.json', problem: `id ${id} is not an entity id` });
      }
    }
  }
  return offenders;
}

/** R4's word-graph half: concept2id non-empty and covering every word of conceptnet_subkg.txt. */
export function checkConceptGraph(concepts: Map<string, number>, conceptTriples: Array<[string, string, string]>): SelfCheckOffender[] {
  const offenders: SelfCheckOffender[] = [];
  if (concepts.size === 0) offenders.push({ check: 'R4', where: 'concept2id.json', problem: 'is empty (the loader takes its maximum)' });
  for (const [, a, b] of conceptTriples) {
    for (const w of [a, b]) if (!concepts.has(w)) offenders.push({ check: 'R4', where: 'conceptnet_subkg.txt', problem: `word "${w}" is not in concept2id.json` });
  }
  return offenders;
}

/** R6: the marker the loader reads (line 2 must equal the version, no `\r`). */
export function checkBuiltMarker(content: string, version: string): SelfCheckOffender[] {
  const lines = content.split('\n');
  return lines[1] === version && !content.includes('\r') ? [] : [{ check: 'R6', where: '.built', problem: `line 2 is ${JSON.stringify(lines[1])}, expected ${JSON.stringify(version)}` }];
}
