/**
 * Parsing a DistillRecDial-style model response into utterances (docs/pipeline.md §8.1): the whole
 * dialogue in one message, each utterance introduced by a `[USR]` or `[AI]` marker.
 */
import type { ParsedUtterance, TurnRole, ValidationIssue } from '../types';

/**
 * `[USR]` / `[AI]`, any case, optionally wrapped in `*` or `**` and followed by `:`; the colon
 * may sit inside or outside the emphasis (`**[AI]:**`, `**[AI]**:`).
 */
const MARKER = /(\*{0,2})\[(USR|AI)\](?:\1:?|:\1)/gi;
const TRAILING_TOKEN = /(?:<\|eot_id\|>|<\|end_of_text\|>)\s*$/;

export interface ParsedTurns {
  utterances: ParsedUtterance[];
  issues: ValidationIssue[];
}

/** §8.1 steps 1 (both strategies): `\n` line endings, trailing end-of-turn tokens removed (a warning). */
export function normaliseResponse(response: string): { text: string; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  let text = response.replace(/\r\n?/g, '\n');
  const stripped: string[] = [];
  for (let m = TRAILING_TOKEN.exec(text.trimEnd()); m !== null; m = TRAILING_TOKEN.exec(text.trimEnd())) {
    stripped.unshift(m[0].trim());
    text = text.trimEnd().slice(0, m.index);
  }
  if (stripped.length > 0) issues.push({ code: 'TEMPLATE_TOKEN_STRIPPED', severity: 'warning', detail: `stripped trailing ${stripped.join('')}` });
  return { text, issues };
}

/** §8.1 step 5 (both strategies): an empty final utterance is dropped (warning), any other empty one is an error. */
export function finishUtterances(utterances: ParsedUtterance[], issues: ValidationIssue[]): ParsedTurns {
  const last = utterances[utterances.length - 1];
  if (last && last.text === '') {
    utterances.pop();
    issues.push({ code: 'TRAILING_EMPTY_TURN', severity: 'warning', detail: `dropped the empty final ${last.role} turn ${utterances.length}` });
  }
  const empty = utterances.flatMap((u, i) => (u.text === '' ? [i] : []));
  if (empty.length > 0) issues.push({ code: 'EMPTY_TURN', severity: 'error', detail: `empty utterance at turn ${empty.join(', ')}` });
  return { utterances, issues };
}

export function snippet(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export function parseMarkedTurns(response: string): ParsedTurns {
  const { text, issues } = normaliseResponse(response);

  const markers = [...text.matchAll(MARKER)];
  if (markers.length === 0) {
    issues.push({ code: 'NO_TURNS', severity: 'error', detail: `no [USR]/[AI] marker in ${text.length} characters` });
    return { utterances: [], issues };
  }

  const preamble = text.slice(0, markers[0].index).trim();
  if (preamble !== '') issues.push({ code: 'PREAMBLE', severity: 'warning', detail: `discarded ${preamble.length} characters: ${JSON.stringify(snippet(preamble))}` });

  const utterances: ParsedUtterance[] = markers.map((m, i) => {
    const start = m.index + m[0].length;
    const end = i + 1 < markers.length ? markers[i + 1].index : text.length;
    const role: TurnRole = m[2].toUpperCase() === 'USR' ? 'USER' : 'ASSISTANT';
    return { role, text: text.slice(start, end).trim() };
  });
  return finishUtterances(utterances, issues);
}
