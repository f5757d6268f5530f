/**
 * Parsing a goal-template model response into utterances (pipeline.md §11.7): `User:` and
 * `Agent:` lines, as in LLM-REDIAL's Conversation.txt (formats.md §4.3). The issues are those of
 * §8.1 with this strategy's markers.
 */
import type { ParsedUtterance, ValidationIssue } from '../types';

/**
 * A speaker line: optional `N.` numbering, then `User` or `Agent` (any case), optionally wrapped
 * in `*`/`**` with the colon inside or outside (`**User:**`, `**User**:`), then the text.
 */
const SPEAKER_LINE = /^\s*(?:\d+\.\s*)?(\*{0,2})\s*(User|Agent)\s*(?:\1\s*:|:\s*\1)\s*(.*)$/i;
const TRAILING_TOKEN = /(?:<\|eot_id\|>|<\|end_of_text\|>)\s*$/;

export interface ParsedGoalTemplateTurns {
  utterances: ParsedUtterance[];
  issues: ValidationIssue[];
}

/**
 * Lines starting with a speaker open an utterance; other non-blank lines continue the previous
 * one (joined with a single space, as the LLM-REDIAL importer joins them, so that the export's
 * one-line turns round-trip). Text before the first speaker line is dropped (PREAMBLE warning);
 * no speaker line at all is NO_TURNS; an empty final utterance is dropped (TRAILING_EMPTY_TURN
 * warning), any other empty one is EMPTY_TURN.
 */
export function parseAgentTurns(response: string): ParsedGoalTemplateTurns {
  const issues: ValidationIssue[] = [];
  let text = response.replace(/\r\n?/g, '\n');

  const stripped: string[] = [];
  for (let m = TRAILING_TOKEN.exec(text.trimEnd()); m !== null; m = TRAILING_TOKEN.exec(text.trimEnd())) {
    stripped.unshift(m[0].trim());
    text = text.trimEnd().slice(0, m.index);
  }
  if (stripped.length > 0) issues.push({ code: 'TEMPLATE_TOKEN_STRIPPED', severity: 'warning', detail: `stripped trailing ${stripped.join('')}` });

  const utterances: ParsedUtterance[] = [];
  const preamble: string[] = [];
  for (const line of text.split('\n')) {
    const speaker = SPEAKER_LINE.exec(line);
    if (speaker) {
      utterances.push({ role: speaker[2].toLowerCase() === 'user' ? 'USER' : 'ASSISTANT', text: speaker[3].trim() });
      continue;
    }
    const content = line.trim();
    if (content === '') continue;
    const last = utterances[utterances.length - 1];
    if (last === undefined) preamble.push(content);
    else last.text = last.text === '' ? content : `${last.text} ${content}`;
  }

  if (utterances.length === 0) {
    issues.push({ code: 'NO_TURNS', severity: 'error', detail: `no "User:"/"Agent:" line in ${text.length} characters` });
    return { utterances, issues };
  }
  if (preamble.length > 0) {
    const discarded = preamble.join(' ');
    issues.push({ code: 'PREAMBLE', severity: 'warning', detail: `discarded ${discarded.length} characters: ${JSON.stringify(snippet(discarded))}` });
  }
  const last = utterances[utterances.length - 1];
  if (last.text === '') {
    utterances.pop();
    issues.push({ code: 'TRAILING_EMPTY_TURN', severity: 'warning', detail: `dropped the empty final ${last.role} turn ${utterances.length}` });
  }
  const empty = utterances.flatMap((u, i) => (u.text === '' ? [i] : []));
  if (empty.length > 0) issues.push({ code: 'EMPTY_TURN', severity: 'error', detail: `empty utterance at turn ${empty.join(', ')}` });
  return { utterances, issues };
}

function snippet(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
