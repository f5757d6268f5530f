import type { DataSource } from 'typeorm';
import type { DialogueSelection } from '../dialogues/selection';

/** One file an export wrote; `name` is relative to the export's folder ('/'-separated). */
export interface ExportFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ExportReport {
  /** In the order written. */
  files: ExportFile[];
  /** What was written, e.g. dialogues per split. */
  counts: Record<string, number>;
  warnings: string[];
  /** Format-specific details (a CRSLab self-check report, a manifest …), stored as JSON. */
  details?: Record<string, unknown>;
}

export interface ExportContext {
  dataSource: DataSource;
  /** An existing, empty folder; a writer writes only inside it. */
  outDir: string;
  /** Which dialogues; omitted → every ACCEPTED dialogue (DialogueSelection's default). */
  filter?: DialogueSelection | null;
  /** Called now and then with dialogues written so far and the total to write. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Every export format is one of these: the CLI calls it with `--out`, the API runs it as a job. */
export type ExportWriter<Options> = (context: ExportContext, options: Options) => Promise<ExportReport>;
