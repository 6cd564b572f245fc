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

  constructor(private readonly deps: StreamDeps) {}

  start(): void {
    this.refresh();
  }

  /** Called after the journal committed new events. */
  wake(): void {
    if (this.stopped) return;
    this.refresh();
    for (const s of this.streams.values()) s.wake();
  }

  /** Enabled integrations, by id (for /readyz details and metrics). */
  get active(): string[] {
    return [...this.streams.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.streams.values()].map((s) => s.stop()));
    this.streams.clear();
  }

  private refresh(): void {
    const enabled = new Set(this.deps.store.list().filter((i) => i.enabled).map((i) => i.id));
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
  }
}
