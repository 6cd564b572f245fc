import { DeliveryStream, type StreamDeps } from './delivery-stream';

/**
 * Runs one DeliveryStream per enabled integration. The integration list lives in the journal
 * and the CLI edits it beside the running daemon; it is read again at every wake-up (a commit
 * that wrote events), so an added integration starts with the next event and a removed one
 * stops, with no signal needed.
 */
export class IntegrationDispatcher {
  private readonly streams = new Map<string, DeliveryStream>();
  private stopped = false;
  /** Whether deliveries run here now (on a shared journal: while this daemon holds the cron lease). */
  private held = true;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(private readonly deps: StreamDeps) {}

  /** Resolves once the integration list was first read (and its streams started). */
  async start(): Promise<void> {
    this.wake();
    await this.refreshing;
  }

  /** Called after the journal committed new events. */
  wake(): void {
    if (this.stopped || !this.held) return;
    this.refresh();
  }

  /**
   * On a shared journal one daemon delivers (the cron lease's holder): it starts when the lease
   * is taken and its streams stop when the lease is lost (an attempt under way may be made
   * again by the next holder: at least once, as after a restart).
   */
  async hold(held: boolean): Promise<void> {
    this.held = held;
    if (held) return this.wake();
    const stopping = [...this.streams.values()];
    this.streams.clear(); // before awaiting: a lease taken back meanwhile starts streams of its own
    await Promise.all(stopping.map((s) => s.stop()));
  }

  /** Enabled integrations, by id (for /readyz details and metrics). */
  get active(): string[] {
    return [...this.streams.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.refreshing;
    await Promise.all([...this.streams.values()].map((s) => s.stop()));
    this.streams.clear();
  }

  /** The integration list read again; calls meanwhile are folded into one more read. */
  private refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.refreshOnce();
        } catch (err) {
          this.deps.logger.warn('could not read the integrations from the journal; read again at the next event', {
            err,
          });
        }
      } while (this.refreshAgain && !this.stopped && this.held);
    })().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain && !this.stopped && this.held) this.refresh(); // asked for after the last read
    });
  }

  private async refreshOnce(): Promise<void> {
    const enabled = new Set((await this.deps.store.list()).filter((i) => i.enabled).map((i) => i.id));
    if (this.stopped || !this.held) return;
    for (const [id, stream] of this.streams) {
      if (enabled.has(id)) continue;
      this.streams.delete(id);
      void stream.stop();
    }
    for (const id of enabled) {
      if (this.streams.has(id)) continue;
      const stream = new DeliveryStream(id, this.deps);
      this.streams.set(id, stream);
      stream.start(() => {
        if (this.streams.get(id) === stream) this.streams.delete(id);
      });
    }
    for (const s of this.streams.values()) s.wake();
  }
}
