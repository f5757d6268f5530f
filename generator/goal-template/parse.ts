/**
 * Parsing a goal-template model response into utterances (docs/pipeline.md §11.7): `User:` and
 * `Agent:` lines, as in LLM-REDIAL's Conversation.txt (docs/formats.md §4.3). The issues are those of
 * §8.1 with this strategy's markers.
 */
import { finishUtterances, normaliseResponse, ParsedTurns, snippet } from '../output/parse-turns';
import type { ParsedUtterance } from '../types';

/**
 * A speaker line: optional `N.` numbering, then `User` or `Agent` (any case), optionally wrapped
 * in `*`/`**` with the colon inside or outside (`**User:**`, `**User**:`), then the text.
 */
const SPEAKER_LINE = /^\s*(?:\d+\.\s*)?(\*{0,2})\s*(User|Agent)\s*(?:\1\s*:|:\s*\1)\s*(.*)$/i;

export type ParsedGoalTemplateTurns = ParsedTurns;

/**
 * Lines starting with a speaker open an utterance; other non-blank lines continue the previous
 * one (joined with a single space, as the LLM-REDIAL importer joins them, so that the export's
 * one-line turns round-trip). Text before the first speaker line is dropped (PREAMBLE warning);
 * no speaker line at all is NO_TURNS; an empty final utterance is dropped (TRAILING_EMPTY_TURN
 * warning), any other empty one is EMPTY_TURN.
 */
export function parseAgentTurns(response: string): ParsedGoalTemplateTurns {
  const { text, issues } = normaliseResponse(response);

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
  return finishUtterances(utterances, issues);
}
