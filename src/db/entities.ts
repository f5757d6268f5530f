import { AmazonMetadataEntity, AmazonRatingEntity, AmazonReviewEntity } from './schema/amazon.entity';
import { ApiKeyEntity } from './schema/api-key.entity';
import { DialogueEntity } from './schema/dialogue.entity';
import { GenerationAttemptEntity, GenerationJobEntity, GenerationRunEntity } from './schema/generation.entity';
import { ExportEntity } from './schema/export.entity';
import { EvaluationEntity } from './schema/evaluation.entity';
import { EvaluationSampleEntity } from './schema/evaluation-sample.entity';
import { ComparisonVerdictEntity, HumanRatingEntity, JudgementEntity, RubricVersionEntity } from './schema/judge.entity';
import { ImportRunEntity } from './schema/import-run.entity';
import { InteractionEntity } from './schema/interaction.entity';
import { ItemEntity } from './schema/item.entity';
import { ItemEntityLink, KgEntity } from './schema/kg.entity';
import { PreparationEntity } from './schema/preparation.entity';
import { PromptVersionEntity } from './schema/prompt-version.entity';
import { UserSampleEntity, UserSampleMemberEntity } from './schema/sample.entity';
import { SplitAssignmentEntity } from './schema/split-assignment.entity';
import { SettingEntity } from './schema/setting.entity';
import { StereotypeEntity } from './schema/stereotype.entity';
import { TurnEntity, TurnMentionEntity } from './schema/turn.entity';
import { UserProfileEntity } from './schema/user-profile.entity';
import { UserEntity } from './schema/user.entity';

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
  EvaluationSampleEntity,
  RubricVersionEntity,
  JudgementEntity,
  ComparisonVerdictEntity,
  HumanRatingEntity,
];
