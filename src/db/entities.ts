import { AmazonMetadataEntity, AmazonRatingEntity, AmazonReviewEntity } from '../modules/amazon/amazon.entity';
import { ApiKeyEntity } from '../modules/api-key/api-key.entity';
import { DialogueEntity } from '../modules/dialogue/dialogue.entity';
import { GenerationAttemptEntity, GenerationJobEntity, GenerationRunEntity } from '../modules/generation/generation.entity';
import { ExportEntity } from '../modules/export/export.entity';
import { EvaluationEntity } from '../modules/evaluation/evaluation.entity';
import { ComparisonVerdictEntity, HumanRatingEntity, JudgementEntity, RubricVersionEntity } from '../modules/judge/judge.entity';
import { ImportRunEntity } from '../modules/importing/import-run.entity';
import { InteractionEntity } from '../modules/interaction/interaction.entity';
import { ItemEntity } from '../modules/item/item.entity';
import { ItemEntityLink, KgEntity } from '../modules/kg/kg.entity';
import { PreparationEntity } from '../modules/preparation/preparation.entity';
import { PromptVersionEntity } from '../modules/prompt/prompt-version.entity';
import { UserSampleEntity, UserSampleMemberEntity } from '../modules/sample/sample.entity';
import { SplitAssignmentEntity } from '../modules/split/split-assignment.entity';
import { SettingEntity } from '../modules/setting/setting.entity';
import { StereotypeEntity } from '../modules/stereotype/stereotype.entity';
import { TurnEntity, TurnMentionEntity } from '../modules/turn/turn.entity';
import { UserProfileEntity } from '../modules/user/user-profile.entity';
import { UserEntity } from '../modules/user/user.entity';

export const entities = [
  ItemEntity,
  UserEntity,
  InteractionEntity,
  StereotypeEntity,
  DialogueEntity,
  TurnEntity,
  TurnMentionEntity,
  KgEntity,
  ItemEntityLink,
  SettingEntity,
  ImportRunEntity,
  AmazonReviewEntity,
  AmazonMetadataEntity,
  AmazonRatingEntity,
  PreparationEntity,
  UserProfileEntity,
  ApiKeyEntity,
  PromptVersionEntity,
  GenerationRunEntity,
  GenerationJobEntity,
  GenerationAttemptEntity,
  ExportEntity,
  UserSampleEntity,
  UserSampleMemberEntity,
  SplitAssignmentEntity,
  EvaluationEntity,
  RubricVersionEntity,
  JudgementEntity,
  ComparisonVerdictEntity,
  HumanRatingEntity,
];
