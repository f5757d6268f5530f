import { DialogueImportCounts, dialogueCounts, DialogueStager, StagedDialogue, StagedItem } from './dialogue-staging';
import { ImportError } from './errors';
import { ErrorCollector, ImportedFile, importedFile, ImportFailed, ImportOptions, ImportTransaction, recordImportRun } from './import-run';
import type { FileDigest } from './file-content';

export interface MintedImportSummary extends DialogueImportCounts {
  /** Dialogues read with at least one warning. */
  flagged: number;
  itemsCreated: number;
  usersCreated: number;
}

/**
 * One import run of a dataset whose items are minted from titles (PEARL, INSPIRED): stages each
 * dialogue with the items it names (each item once per run), refuses a dialogue key seen earlier
 * in the run, and publishes and records the run at the end. Runs inside inImportTransaction.
 */
export class MintedImport {
  readonly errors: ErrorCollector;
  private readonly files: ImportedFile[] = [];
  private readonly itemKeys = new Set<string>();
  /** Dialogue key → `file:line` where it was first read. */
  private readonly dialogueKeys = new Map<string, string>();
  private read = 0;
  private flagged = 0;

  private constructor(
    private readonly tx: ImportTransaction,
    private readonly kind: string,
    private readonly stager: DialogueStager,
    options: ImportOptions,
  ) {
    this.errors = new ErrorCollector(options.maxErrors ?? 0);
  }

  static async create(tx: ImportTransaction, kind: string, options: ImportOptions): Promise<MintedImport> {
    return new MintedImport(tx, kind, await DialogueStager.create(tx), options);
  }

  /** Claims a dialogue key for `file:line`; returns where it was claimed before, if it was. */
  claimKey(key: string, file: string, line: number): string | undefined {
    const earlier = this.dialogueKeys.get(key);
    if (earlier === undefined) this.dialogueKeys.set(key, `${file}:${line}`);
    return earlier;
  }

  async add(dialogue: StagedDialogue, items: StagedItem[]): Promise<void> {
    for (const item of items) {
      if (this.itemKeys.has(item.asin)) continue;
      this.itemKeys.add(item.asin);
      await this.stager.addItem(item);
    }
    await this.stager.addDialogue(dialogue);
    this.read++;
    if (dialogue.warnings.length) this.flagged++;
  }

  get dialoguesRead(): number {
    return this.read;
  }

  /**
   * A problem that leaves the rest of the file unreadable (not an array, a bad header): the run
   * aborts whatever `maxErrors` allows, reporting the bad records collected so far too.
   */
  fatal(error: ImportError): ImportFailed {
    return new ImportFailed([...this.errors.errors, error], 0);
  }

  fileRead(file: string, digest: FileDigest): void {
    this.files.push(importedFile(file, digest));
  }

  async finish(): Promise<MintedImportSummary> {
    const published = await this.stager.publish();
    const counts = {
      ...dialogueCounts(this.read, this.errors.errors.length, published),
      flagged: this.flagged,
      itemsCreated: published.itemsCreated,
      usersCreated: published.usersCreated,
    };
    const importRunId = await recordImportRun(this.tx.manager, this.kind, this.files, counts);
    return { importRunId, files: this.files, ...counts };
  }
}
