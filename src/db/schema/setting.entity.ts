import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Dataset-wide settings, e.g. `releaseSystemMessage` read from an imported release. */
@Entity('settings')
export class SettingEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('jsonb')
  value: unknown;
}
