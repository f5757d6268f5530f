/**
 * A problem with one record of an input file. The message reads `file:line: field: what is
 * wrong` so that a user can open the file at that line; `code` is stable for programs.
 */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly problem: string,
    readonly code = 'INVALID_RECORD',
  ) {
    super(`${file}:${line}: ${field}: ${problem}`);
    this.name = 'ImportError';
  }
}

/** An input path that cannot be imported at all (missing, or no split in its name): a usage error. */
export class InputFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InputFileError';
  }
}

/** A parse problem inside one record, before the file and line are known. */
export class RecordError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly code = 'INVALID_RECORD',
  ) {
    super(`${field}: ${problem}`);
    this.name = 'RecordError';
  }

  at(file: string, line: number): ImportError {
    return new ImportError(file, line, this.field, this.problem, this.code);
  }
}
