import path from 'node:path';
import { ZipFile } from 'yazl';
import { ExportFileWriter } from '../files';
import type { ExportFile } from '../types';

// Local-time fields are what a zip stores, so build the date from local fields: the same bytes
// in every time zone (R7). forceDosTimestamp leaves out the extra field with a UTC time.
const FIXED_ENTRY_OPTIONS = { mtime: new Date(2000, 0, 1, 0, 0, 0), mode: 0o100644, forceDosTimestamp: true, compress: true };

/**
 * The optional archive (docs/formats.md §8.1): the data files at the zip's root, no folder, fixed
 * times and modes so that it is byte-identical for identical files. `names` are relative to outDir.
 */
export async function writeCrslabArchive(outDir: string, archiveName: string, names: string[]): Promise<ExportFile> {
  const zip = new ZipFile();
  for (const name of names) zip.addFile(path.join(outDir, name), path.posix.basename(name), FIXED_ENTRY_OPTIONS);
  zip.end();
  const writer = new ExportFileWriter(outDir, archiveName);
  for await (const chunk of zip.outputStream) await writer.write(chunk as Buffer);
  return writer.close();
}
