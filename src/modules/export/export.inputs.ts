import { Field, InputType } from 'type-graphql';
import { DialogueFilter, DialogueSource, SplitName } from '../dialogue/dialogue.type';
import { ExportFormat } from './export.type';

/**
 * What to export. Format options are plain strings (case-insensitive) so that a wrong value is
 * a BAD_USER_INPUT naming `input.<field>`; an option of another format is refused too.
 */
@InputType()
export class ExportInput {
  @Field(() => ExportFormat)
  format: ExportFormat;

  @Field(() => DialogueFilter, { nullable: true, description: 'Which dialogues; default every ACCEPTED one.' })
  filter?: DialogueFilter | null;

  @Field(() => [SplitName], { nullable: true, description: 'RELEASE, CANONICAL, JSONL: these splits (in this order); CRSLAB, SFT: at most one.' })
  split?: SplitName[] | null;

  @Field(() => String, { nullable: true, description: 'Shorthand for filter.stereotype.' })
  stereotype?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: gpt2 (default) | bert | word.' })
  tokenize?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: distillrecdial (default) | upstream.' })
  flavor?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB upstream: the dataset folder name (default redial).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: how items appear in text: title (default) | asin | at-index.' })
  itemText?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: movie_ids: catalog (default) | mentioned | mentioned+history.' })
  itemUniverse?: string | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: kg (default) | none.' })
  entities?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'CRSLAB: keep items a Recommender repeats as gold labels.' })
  keepRepeatedItems?: boolean | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB: typed (default) | compat.' })
  rawIds?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'CRSLAB, tokenize word: lower-case tokens.' })
  lowercase?: boolean | null;

  @Field(() => String, { nullable: true, description: 'CRSLAB, tokenize word: vocabulary from train (default) | all.' })
  vocabFrom?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'CRSLAB: also write the zip of docs/formats.md §8.1 among the files.' })
  archive?: boolean | null;

  @Field(() => String, { nullable: true, description: 'SFT: messages (default) | text.' })
  sftFormat?: string | null;

  @Field(() => DialogueSource, { nullable: true, description: 'SFT: TEACHER (default) | STUDENT.' })
  sftSource?: DialogueSource | null;

  @Field(() => Boolean, { nullable: true, description: 'SFT: the stored raw response instead of the re-serialised dialogue.' })
  rawText?: boolean | null;

  @Field(() => String, { nullable: true, description: 'RELEASE: the marker at every assistant mention (default) | first.' })
  marking?: string | null;

  @Field(() => String, { nullable: true, description: 'HF: the dataset card’s license (a Hub license id, default other).' })
  license?: string | null;

  @Field(() => String, { nullable: true, description: 'HF: the dataset card’s title and pretty_name.' })
  title?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'RELEASE: escape non-ASCII as \\uXXXX (json.dumps default).' })
  asciiOnly?: boolean | null;
}
