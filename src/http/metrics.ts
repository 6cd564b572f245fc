import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How often the event loop's delay is sampled. */
export const EVENT_LOOP_SAMPLE_MS = 1000;

/** The daemon's Prometheus metrics, on their own registry (no global state). */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly alertsReceived = new Counter({
    name: 'veesion_bridge_alerts_received_total',
    help: 'Alerts received on the webhook, by store and outcome',
    labelNames: ['store', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly ingressRejected = new Counter({
    name: 'veesion_bridge_ingress_rejected_total',
    help: 'Webhook requests refused, by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly wildixEventsUnread = new Counter({
    name: 'veesion_bridge_wildix_events_unread_total',
    help: 'Signed Wildix events of a type the bridge does not read, by type (past 50 types: other)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'veesion_bridge_step_duration_seconds',
    help: 'Duration of step attempts, by step and resulting state',
    labelNames: ['step', 'state'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly stepRetries = new Counter({
    name: 'veesion_bridge_step_retries_total',
    help: 'Step attempts that failed and were scheduled again',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });

  readonly tokenRenewals = new Counter({
    name: 'veesion_bridge_veesion_token_renewals_total',
    help: 'Veesion sign-ins to renew the token, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly integrationDeliveries = new Counter({
    name: 'veesion_bridge_integration_deliveries_total',
    help: 'Integration delivery attempts, by integration type and outcome (delivered, retry, dead, gone)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly amiReconnects = new Counter({
    name: 'veesion_bridge_ami_disconnects_total',
    help: 'Logged-in AMI connections lost (failed reconnect attempts are not counted)',
    registers: [this.registry],
  });

  /** The watchdog's systemd-notify, every 15 s: what asking the process helper to start it costs the event loop. */
  readonly systemdNotifyStart = new Histogram({
    name: 'veesion_bridge_systemd_notify_start_seconds',
    help: 'Time the event loop spent on each systemd notification (handing it to the process helper, or starting systemd-notify itself when the helper fails)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
    registers: [this.registry],
  });

  /** how long an incident waited for someone to take it (opened -> claimed). */
  readonly incidentTimeToClaim = new Histogram({
    name: 'veesion_bridge_incident_time_to_claim_seconds',
    help: 'Seconds from an incident opening to its first claim',
    buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers: [this.registry],
  });
  readonly incidentEscalations = new Counter({
    name: 'veesion_bridge_incident_escalations_total',
    help: 'Incidents escalated, by outcome (answered, nobody-answered, no-list)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Gauges read from the daemon's live state when /metrics is scraped. */
  watch(sources: { amiConnected: () => boolean; stepsWaiting: () => Record<string, number> }): void {
    new Gauge({
      name: 'veesion_bridge_ami_connected',
      help: '1 while logged in to the AMI, 0 otherwise',
      registers: [this.registry],
      collect() {
        this.set(sources.amiConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'veesion_bridge_steps_waiting',
      help: 'Steps not finished yet (pending a first attempt, a retry, or running), by step',
      labelNames: ['step'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [step, count] of Object.entries(sources.stepsWaiting())) this.set({ step }, count);
      },
    });
  }

  /** The incidents nobody has claimed yet, read from the journal at each scrape. */
  watchIncidents(openIncidents: () => Promise<number>): void {
    new Gauge({
      name: 'veesion_bridge_incidents_open',
      help: 'Incidents open now: announced or waiting, not claimed yet',
      registers: [this.registry],
      async collect() {
        this.set(await openIncidents());
      },
    });
  }

  constructor() {
    // The event-loop delay is sampled once a second, not prom-client's every 10 ms: the daemon
    // shares the PBX host, and a 10 ms timer woke it 100 times a second with nothing to do. A
    // stall still shows (the 1 s timer fires late by as much); only sub-second jitter is lost.
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'veesion_bridge_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }
}
