import { SingleBar } from 'cli-progress';

/**
 * Progress of a long command: a bar on a terminal, a plain line every few seconds otherwise
 * (logs and CI). Writes to stderr so stdout stays parseable.
 */
export class Progress {
  private bar: SingleBar | null = null;
  private lastLine = Date.now();
  private count = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number | null,
    private readonly quiet = false,
  ) {
    if (!quiet && process.stderr.isTTY && total) {
      this.bar = new SingleBar({
        format: `${label} [{bar}] {percentage}% | {records} records | {rate}/s`,
        stream: process.stderr,
        hideCursor: true,
      });
      this.bar.start(total, 0, { records: 0, rate: 0 });
    }
  }

  /** `done` is in the unit of `total` (bytes); `records` counts what was read so far. */
  update(done: number, records: number): void {
    this.count = records;
    if (this.quiet) return;
    const rate = Math.round(records / Math.max((Date.now() - this.started) / 1000, 0.001));
    if (this.bar) {
      this.bar.update(Math.min(done, this.total ?? done), { records, rate });
    } else if (Date.now() - this.lastLine > 5000) {
      this.lastLine = Date.now();
      const pct = this.total ? ` (${Math.min(100, Math.round((100 * done) / this.total))}%)` : '';
      process.stderr.write(`${this.label}: ${records.toLocaleString('en')} records${pct}, ${rate.toLocaleString('en')}/s\n`);
    }
  }

  finish(message?: string): void {
    if (this.bar) {
      this.bar.update(this.total ?? 0, { records: this.count });
      this.bar.stop();
    }
    if (!this.quiet && message) process.stderr.write(`${this.label}: ${message}\n`);
  }
}
