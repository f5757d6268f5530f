/**
 * Whether a model endpoint is reachable. When a request finds nothing listening (connection
 * refused, unknown host) the gate closes: the worker stops taking that role's jobs and gives back
 * the ones it holds, and the gate probes `GET /v1/models` with exponential backoff until the
 * server answers. An outage of any length then costs no job an attempt (docs/pipeline.md §6.2).
 */
export class EndpointGate {
  private downSince: number | null = null;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly options: { minDelayMs: number; maxDelayMs: number },
    private readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
  ) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  reportUnreachable(): void {
    if (this.downSince !== null || this.closed) return;
    this.downSince = Date.now();
    this.log.warn({}, 'model endpoint unreachable: pausing its jobs and probing GET /v1/models');
    void this.probeUntilUp();
  }

  /** Resolves when the endpoint is up again, or after `maxWaitMs` (so a stopping loop can look at its flag). */
  whenUp(maxWaitMs: number): Promise<void> {
    if (this.downSince === null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    this.open();
  }

  private open(): void {
    this.downSince = null;
    for (const w of this.waiters.splice(0)) w();
  }

  private async probeUntilUp(): Promise<void> {
    let delay = this.options.minDelayMs;
    let probes = 0;
    while (this.downSince !== null && !this.closed) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.closed) break;
      probes++;
      try {
        await this.probe();
        this.log.info({ outageMs: Date.now() - this.downSince, probes }, 'model endpoint answers again: resuming its jobs');
        break;
      } catch {
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
    this.open();
  }
}
