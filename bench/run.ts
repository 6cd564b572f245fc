import http from 'node:http';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimWorld } from '../src/sim/sim-world';
import { alertsSaid } from '../src/sim/ami-sim';
import { ENGINES } from '../src/tts/engines';
import { convertToTelephoneWav } from './ffmpeg-baseline';
import { percentile, ms, verdict } from './stats';
import {
  startDaemon,
  rssMb,
  stopDaemon,
  cpuSeconds,
  childrenRss,
  watchChildren,
  scrapeMetrics,
} from './daemon-process';
import { sharedJournalRows } from './postgres';
import { memoryRows } from './memory';
import { watchdogRows } from './watchdog';
import { measureIdle, type IdleFigures } from './idle';
import { startNaiveForwarder, stopNaiveForwarder } from './naive';
import { postAlert } from './post-alert';
import { startDiskProbe } from './disk-probe';

/**
 * `npm run bench`: alert-to-Originate latency (audio not cached / cached), the bare TTS +
 * conversion cost, durable ingest throughput with ack latency, and idle RSS. Everything runs
 * on loopback; request counts and durations are bounded.
 */
const LATENCY_ALERTS = 50;
const INGEST_ALERTS = 5000;
const INGEST_CONCURRENCY = 32;
const WARMUP_ALERTS = 3000;
const OPEN_RATE = 1000;
const OPEN_SECONDS = 5;
const TEXT = 'Attention! Theft detected on camera ${cameraId}';
const BURST_ALERTS = 200;
const CLAIM_RUNS = 5;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const BURST_STORES = 20;
const CONSOLE_RUNS = 10;
const FLOOD_ALERTS = 1500;
const FLOOD_CONNECTIONS = 200;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vb-bench-'));
  const stores = Array.from({ length: 2 * LATENCY_ALERTS + 1 + BURST_STORES + 2 }, (_, i) => ({
    store_veesion_id: `s${i}`,
    name: `Store ${i}`,
    audio_conf_id: String(100 + i),
    xbees_channel_id: `c${i}`,
  }));
  const world = await new SimWorld({
    dir,
    stores,
    settings: { VEESION_ALERT_TEXT: TEXT, BRIDGE_LOG_LEVEL: 'warn', BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN },
  }).start();
  const daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = rssMb(daemon.pid as number);
    const spareRss = childrenRss(daemon.pid as number);
    // Idle beside healthy simulators, before any work (BENCH_IDLE_S, 60 by default; 0 skips it).
    const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 60);
    const idle =
      idleSeconds > 0 && !process.env.BENCH_ONLY ? await measureIdle(daemon.pid as number, idleSeconds) : undefined;
    if (process.env.BENCH_ONLY === 'idle') {
      console.log(
        idleRows(await measureIdle(daemon.pid as number, idleSeconds || 60))
          .map((r) => r.join('  '))
          .join('\n'),
      );
      return;
    }

    if (process.env.BENCH_ONLY === 'watchdog') {
      for (const r of await watchdogRows(daemon, world, dir)) console.log(r.join('  '));
      return;
    }

    if (process.env.BENCH_ONLY === 'memory') {
      for (const r of await memoryRows(daemon, world, dir)) console.log(r.join('  '));
      return;
    }

    if (process.env.BENCH_ONLY === 'postgres') {
      // The durable ingest on SQLite and on PostgreSQL (BRIDGE_JOURNAL_URL), taking turns.
      await sharedJournalRows(daemon, world, dir, (p, prefix, n) => ingestRun(p, world.hookToken, agent, prefix, n));
      return;
    }

    if (process.env.BENCH_ONLY === 'flood') {
      // For profiling the flood alone (BENCH_NODE_FLAGS=--cpu-prof): the same warm-up, then the flood.
      await ingestRun(world.httpPort, world.hookToken, agent, 'warmup', WARMUP_ALERTS);
      const children = watchChildren(daemon.pid as number);
      const flood = await floodRun(world.httpPort, world.hookToken);
      await new Promise((r) => setTimeout(r, 3_000));
      const forked = children.stop();
      console.log(
        `flood: ${flood.acked} acked (${flood.perSecond.toFixed(0)}/s), ack p50 ${ms(percentile(flood.latencies, 50))}, p99 ${ms(percentile(flood.latencies, 99))}; processes the daemon started itself: ${forked.started} ${forked.names.join(', ')}`,
      );
      return;
    }

    if (process.env.BENCH_ONLY === 'open') {
      // The open loop alone, after the same warm-up, with when its slow acknowledgements were sent.
      await ingestRun(world.httpPort, world.hookToken, agent, 'warmup', WARMUP_ALERTS);
      const probe = await startDiskProbe(dir);
      const paced = await ingestOpenLoop(world.httpPort, world.hookToken, agent);
      const disk = await probe.stop();
      // Alert i was due i / OPEN_RATE s after the start: the slow ones counted by the 100 ms they were due in.
      const slow = new Map<number, number>();
      paced.byIndex.forEach((latency, i) => {
        const at = Math.floor((i / OPEN_RATE) * 10) / 10;
        if (latency > 20) slow.set(at, (slow.get(at) ?? 0) + 1);
      });
      const bursts = [...slow].map(([at, n]) => `${at.toFixed(1)} s (${n})`);
      console.log(
        `open loop: ${paced.acked} acked, ack p50 ${ms(percentile(paced.latencies, 50))}, p99 ${ms(percentile(paced.latencies, 99))}, max ${ms(Math.max(...paced.latencies))}; sent late by the bench p99 ${ms(percentile(paced.lateSends, 99))}, max ${ms(Math.max(...paced.lateSends))}; over 20 ms, by 100 ms of sending: ${bursts.join(', ') || 'none'}\nthe disk meanwhile (4 KiB fdatasync every 50 ms): ${disk}`,
      );
      return;
    }

    const waiting = new Map<string, (at: number) => void>();
    world.ami.onOriginate((o) => {
      const id = o.variables.find((v) => v.startsWith('ALERT_ID='))?.slice(9);
      if (id) waiting.get(id)?.(performance.now());
    });
    const post = (body: object) => postAlert(world.httpPort, world.hookToken, body, agent);
    const timeToOriginate = async (id: string, body: object, port = world.httpPort) => {
      const originated = new Promise<number>((resolve) => waiting.set(id, resolve));
      const t0 = performance.now();
      const res = await postAlert(port, world.hookToken, { alert_uuid: id, ...body }, agent);
      if (res.status !== 200) throw new Error(`alert ${id}: HTTP ${res.status}`);
      const at = await originated;
      waiting.delete(id);
      return at - t0;
    };

    // Bare cost and uncached alerts interleaved, so machine noise hits both alike.
    // BENCH_ONLY=ingest skips the latency runs (for profiling the ingest path); =flood runs the flood
    // alone; =cached the cached path beside the naive forwarder alone.
    const latencyRuns = process.env.BENCH_ONLY === 'ingest' ? 0 : LATENCY_ALERTS;
    const bare: number[] = [];
    const uncached: number[] = [];
    for (let i = 0; i < latencyRuns && process.env.BENCH_ONLY !== 'cached'; i++) {
      bare.push(await bareEngineCost(dir, i));
      uncached.push(await timeToOriginate(`u${i}`, { location: `s${i}`, cameraId: `u${i}-${Date.now()}` }));
    }
    await timeToOriginate('warm', { location: `s${LATENCY_ALERTS}`, cameraId: 'cached' });
    // The cached path and the naive forwarder (the least a bridge can do) take turns, alert by
    // alert, after both have warmed up: the machine's drift falls on both alike.
    const naive = await startNaiveForwarder(world);
    const cached: number[] = [];
    const naiveTimes: number[] = [];
    try {
      for (let i = 0; i < 20; i++) await timeToOriginate(`nw${i}`, { location: `n${i}` }, naive.port);
      for (let i = 1; i <= latencyRuns; i++) {
        cached.push(await timeToOriginate(`c${i}`, { location: `s${LATENCY_ALERTS + i}`, cameraId: 'cached' }));
        naiveTimes.push(await timeToOriginate(`n${i}`, { location: `n${i}`, cameraId: 'cached' }, naive.port));
      }
    } finally {
      await stopNaiveForwarder(naive.child);
    }
    const cachedRows = [
      [
        'alert -> Originate, audio cached: p50 / p95',
        `${ms(percentile(cached, 50))} / ${ms(percentile(cached, 95))}`,
        `${verdict(percentile(cached, 50) <= percentile(naiveTimes, 50) + 2)} target p50 within 2 ms of the naive forwarder's`,
      ],
      [
        '  a naive forwarder (Originate once the body is parsed; no journal), same turns: p50 / p95',
        `${ms(percentile(naiveTimes, 50))} / ${ms(percentile(naiveTimes, 95))}`,
        '',
      ],
    ];
    if (process.env.BENCH_ONLY === 'cached') {
      console.log(cachedRows.map((r) => r.join('  ')).join('\n'));
      return;
    }

    const burst = process.env.BENCH_ONLY === 'ingest' ? undefined : await burstRun(post, world);
    const claims =
      process.env.BENCH_ONLY === 'ingest'
        ? undefined
        : await claimRun(world, 2 * LATENCY_ALERTS + 1 + BURST_STORES, CLAIM_RUNS);
    const nudges =
      process.env.BENCH_ONLY === 'ingest'
        ? undefined
        : await consoleRun(world, 2 * LATENCY_ALERTS + 2 + BURST_STORES, CONSOLE_RUNS);

    // Unmeasured warm-up: V8 optimises the ingest path, SQLite's WAL reaches its working size.
    await ingestRun(world.httpPort, world.hookToken, agent, 'warmup', WARMUP_ALERTS);
    const probe = await startDiskProbe(dir);
    const paced = await ingestOpenLoop(world.httpPort, world.hookToken, agent);
    const disk = await probe.stop();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpuBefore = { bench: process.cpuUsage(), daemon: cpuSeconds(daemon.pid as number), wall: performance.now() };
    const ingest = await ingestRun(world.httpPort, world.hookToken, agent);
    const wall = (performance.now() - cpuBefore.wall) / 1000;
    loop.disable();
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const load = {
      bench: (benchCpu.user + benchCpu.system) / 1e6 / wall,
      daemon: (cpuSeconds(daemon.pid as number) - cpuBefore.daemon) / wall,
    };
    const daemonLag = await daemonLoopLag(world.httpPort);
    // The flood with nothing to render (one camera, its sentence cached): what the receiver does
    // without renders, for comparison. First, so no render of the next one runs beside it.
    const floodCached =
      process.env.BENCH_ONLY === 'ingest'
        ? undefined
        : await floodRun(world.httpPort, world.hookToken, () => 'cached', 'flood-same');
    // Last: it leaves 1,500 renders behind it. The processes the daemon starts itself meanwhile
    // are counted: its helper starts the engines and ffmpeg, so there should be none.
    const children = watchChildren(daemon.pid as number);
    const flood = process.env.BENCH_ONLY === 'ingest' ? undefined : await floodRun(world.httpPort, world.hookToken);
    await new Promise((r) => setTimeout(r, 3_000)); // the renders and chat posts it started
    const forked = children.stop();

    const bareP50 = percentile(bare, 50);
    const rows = [
      ['bare TTS engine + conversion (espeak-ng + ffmpeg), p50', ms(bareP50), ''],
      [
        'alert -> Originate, audio not cached: p50 / p95',
        `${ms(percentile(uncached, 50))} / ${ms(percentile(uncached, 95))}`,
        `${verdict(percentile(uncached, 50) <= 0.6 * bareP50)} target p50 <= 0.6 x bare (${ms(0.6 * bareP50)}): no converter process`,
      ],
      ...cachedRows,
      [
        `ingest at saturation (${INGEST_ALERTS} alerts, ${INGEST_CONCURRENCY} in flight, durable acks)`,
        `${ingest.perSecond.toFixed(0)} alerts/s`,
        `${verdict(ingest.perSecond >= 1000)} target >= 1000/s`,
      ],
      [
        '  ack latency at saturation p50 / p99',
        `${ms(percentile(ingest.latencies, 50))} / ${ms(percentile(ingest.latencies, 99))}`,
        '',
      ],
      [
        `ingest at ${OPEN_RATE}/s offered for ${OPEN_SECONDS} s: acked / ack p50 / p99`,
        `${paced.acked} / ${ms(percentile(paced.latencies, 50))} / ${ms(percentile(paced.latencies, 99))}`,
        `${verdict(paced.acked === OPEN_RATE * OPEN_SECONDS && percentile(paced.latencies, 99) <= 20)} target p99 <= 20 ms, every alert acked`,
      ],
      // Each acknowledgement waits for one such sync: a slow one delays every alert behind it.
      ['  the disk meanwhile: 4 KiB fdatasync every 50 ms beside the journal', disk, ''],
      ...(burst
        ? [
            [
              `burst: ${BURST_ALERTS} alerts, ${BURST_STORES} stores, sent within 1 s: announce start p50 / p95 / max`,
              `${ms(percentile(burst.latencies, 50))} / ${ms(percentile(burst.latencies, 95))} / ${ms(Math.max(...burst.latencies))}`,
              `${verdict(burst.overlaps === 0 && percentile(burst.latencies, 95) <= 6_000 && Math.max(...burst.latencies) <= 10_000)} target p95 <= 6 s, max <= 10 s; ${burst.overlaps} overlapping calls; ${burst.perConference.toFixed(1)} calls of ${ms(burst.audioMs)} per conference (summary sentences)`,
            ],
          ]
        : []),
      ...(claims
        ? [
            [
              `claim (HTTP) -> the conference told who took it: p50 / max (${CLAIM_RUNS} runs)`,
              `${ms(percentile(claims, 50))} / ${ms(Math.max(...claims))}`,
              '',
            ],
          ]
        : []),
      ...(nudges
        ? [
            [
              `alert -> the console's change event (server-sent): p50 / max (${CONSOLE_RUNS} runs)`,
              `${ms(percentile(nudges, 50))} / ${ms(Math.max(...nudges))}`,
              `${verdict(Math.max(...nudges) <= 1000)} target <= 1 s (the page then fetches)`,
            ],
          ]
        : []),
      ...(flood
        ? [
            [
              `flood: ${FLOOD_ALERTS} alerts, distinct cameras, ${FLOOD_CONNECTIONS} connections: acked, ack p50 / p99`,
              `${flood.acked} (${flood.perSecond.toFixed(0)}/s), ${ms(percentile(flood.latencies, 50))} / ${ms(percentile(flood.latencies, 99))}`,
              `${verdict(flood.acked === FLOOD_ALERTS && percentile(flood.latencies, 99) <= 500)} target p99 <= 500 ms, every alert acked`,
            ],
            [
              '  processes the daemon started itself during the flood and 3 s after',
              `${forked.started}${forked.names.length ? ` (${forked.names.join(', ')})` : ''}`,
              `${verdict(forked.started === 0)} target 0: its process helper starts the speech engines and ffmpeg`,
            ],
            ...(floodCached
              ? [
                  [
                    '  the same flood on one camera (nothing to render), for comparison',
                    `${floodCached.acked} (${floodCached.perSecond.toFixed(0)}/s), ${ms(percentile(floodCached.latencies, 50))} / ${ms(percentile(floodCached.latencies, 99))}`,
                    '',
                  ],
                ]
              : []),
          ]
        : []),
      // The idle target is read at the idle period's end when it ran (the start's work given back by then).
      [
        'daemon RSS 2 s after the start',
        `${idleRss.toFixed(1)} MB`,
        idle ? '' : `${verdict(idleRss <= 120)} target <= 120 MB`,
      ],
      ...(idle ? idleRows(idle) : []),
      [
        '  beside it: its process helper and the speech engines it started ahead (own processes)',
        `${spareRss.count}, ${spareRss.mb.toFixed(1)} MB`,
        '',
      ],
    ];
    console.log(
      `veesion-bridge bench (${LATENCY_ALERTS} alerts per latency run, ${WARMUP_ALERTS} unmeasured warm-up alerts before the ingest runs, node ${process.version})`,
    );
    for (const [what, value, target] of rows)
      console.log(`${(what as string).padEnd(62)} ${(value as string).padEnd(22)} ${target}`);
    console.log(
      `event-loop delay during ingest: bench max ${ms(loop.max / 1e6)}, p99 ${ms(loop.percentile(99) / 1e6)}; daemon ${daemonLag}`,
    );
    console.log(
      `during ingest: daemon used ${(load.daemon * 100).toFixed(0)}% of a core, the bench (load + simulators) ${(load.bench * 100).toFixed(0)}%`,
    );
    if (ingest.errors > 0) console.log(`ingest errors: ${ingest.errors}`);
    await sharedJournalRows(daemon, world, dir, (p, prefix, n) => ingestRun(p, world.hookToken, agent, prefix, n));
    // Last, on daemons of their own: the watchdog, then the longest run.
    for (const [what, value, target] of [
      ...(await watchdogRows(daemon, world, dir)),
      ...(await memoryRows(daemon, world, dir)),
    ])
      console.log(`${(what as string).padEnd(62)} ${(value as string).padEnd(22)} ${target}`);
  } finally {
    agent.destroy();
    await stopDaemon(daemon);
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 200 alerts over 20 stores within a second, each on its own camera: time from sending an
 * alert to the call that says it (alone, or in one summary sentence with the others waiting in
 * its conference: ALERT_IDS), and whether any two calls overlapped in one conference.
 */
async function burstRun(post: (b: object) => Promise<{ status: number }>, world: SimWorld) {
  const firstStore = 2 * LATENCY_ALERTS + 1; // after every store the latency runs used
  const calls = world.ami.calls.length;
  const said = new Map<string, (at: number) => void>(); // alert id -> its call
  // Only while the burst runs: later runs merge hundreds of alerts into calls that cannot name them all.
  let listening = true;
  world.ami.onOriginate((o) => {
    if (!listening) return;
    const at = performance.now();
    for (const id of alertsSaid(o)) said.get(id)?.(at);
  });
  const latencies = await Promise.all(
    Array.from({ length: BURST_ALERTS }, async (_, i) => {
      const id = `burst-${i}`;
      const store = firstStore + (i % BURST_STORES);
      await new Promise((r) => setTimeout(r, (i / BURST_ALERTS) * 1000)); // spread over one second
      const sentAt = performance.now();
      const heard = new Promise<number>((resolve) => said.set(id, resolve));
      const res = await post({ alert_uuid: id, location: `s${store}`, cameraId: `burst-${i}` });
      if (res.status !== 200) throw new Error(`burst alert ${id}: HTTP ${res.status}`);
      return (await heard) - sentAt;
    }),
  );
  listening = false;
  const mine = world.ami.calls.slice(calls);
  const deadline = performance.now() + 30_000;
  while (mine.some((c) => c.hungUpAt === undefined) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  let overlaps = 0;
  for (const exten of new Set(mine.map((c) => c.exten))) {
    const inConf = mine.filter((c) => c.exten === exten).sort((a, b) => a.answeredAt - b.answeredAt);
    for (let i = 1; i < inConf.length; i++)
      if ((inConf[i]?.answeredAt ?? 0) < (inConf[i - 1]?.hungUpAt ?? Infinity)) overlaps++;
  }
  const audioMs = percentile(
    mine.map((c) => (c.hungUpAt ?? c.answeredAt) - c.answeredAt),
    50,
  );
  return { latencies, overlaps, perConference: mine.length / BURST_STORES, audioMs };
}

/**
 * An alert announced, then claimed through the admin route: time from the claim request to the
 * call that tells the conference who took it.
 */
async function claimRun(world: SimWorld, store: number, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const conference = String(100 + store);
    let nextCall: ((at: number) => void) | undefined;
    world.ami.onOriginate((o) => {
      if (o.channel.startsWith(`Local/${conference}@`)) nextCall?.(performance.now());
    });
    const announced = new Promise<number>((resolve) => (nextCall = resolve));
    const id = `claim-${i}`;
    const res = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alert_uuid: id, location: `s${store}`, cameraId: `claim-${i}` }),
    });
    if (res.status !== 200) throw new Error(`claim alert ${id}: HTTP ${res.status}`);
    await announced;
    await new Promise((r) => setTimeout(r, 5_000)); // heard out: the conference is free again
    const told = new Promise<number>((resolve) => (nextCall = resolve));
    const t0 = performance.now();
    const claim = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/incidents/${id}/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ by: 'Anna' }),
    });
    if (claim.status !== 200) throw new Error(`claim ${id}: HTTP ${claim.status}`);
    out.push((await told) - t0);
    nextCall = undefined;
  }
  return out;
}

/**
 * What a watching console sees: time from posting an alert to the `change` event on the
 * daemon's server-sent event stream (the page then fetches the incidents).
 */
async function consoleRun(world: SimWorld, store: number, runs: number): Promise<number[]> {
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/events/stream`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const reader = res.body.getReader();
  let waiting: ((at: number) => void) | undefined;
  const reading = (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (decoder.decode(value).includes('event: change')) waiting?.(performance.now());
    }
  })().catch(() => undefined);
  const out: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 1_500)); // earlier changes settled
      const nudged = new Promise<number>((resolve) => (waiting = resolve));
      const t0 = performance.now();
      const posted = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert_uuid: `console-${i}`, location: `s${store}`, cameraId: `console-${i}` }),
      });
      if (posted.status !== 200) throw new Error(`console alert ${i}: HTTP ${posted.status}`);
      out.push((await nudged) - t0);
      waiting = undefined;
    }
  } finally {
    controller.abort();
    await reading;
  }
  return out;
}

/**
 * A flood of alerts on distinct cameras (each needs a render) over many connections at once:
 * the acknowledgements must not wait for the renders they start.
 */
async function floodRun(
  port: number,
  token: string,
  camera: (i: number) => string = (i) => `flood-cam-${i}`,
  prefix = 'flood',
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < FLOOD_ALERTS) {
      const i = next++;
      const start = performance.now();
      const res = await postAlert(
        port,
        token,
        { alert_uuid: `${prefix}-${i}`, location: `s${i % 20}`, cameraId: camera(i) },
        agent,
      ).catch(() => ({ status: 0 }));
      if (res.status === 200) latencies.push(performance.now() - start);
    }
  };
  try {
    await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
  return { latencies, acked: latencies.length, perSecond: latencies.length / ((performance.now() - t0) / 1000) };
}

/** The engine and the conversion (one ffmpeg process), as the daemon ran them before speech was converted in-process: the baseline. */
async function bareEngineCost(dir: string, i: number): Promise<number> {
  const t0 = performance.now();
  const wav = await ENGINES['espeak-ng'](TEXT.replace('${cameraId}', `bare${i}-${Date.now()}`), '', 10_000);
  await convertToTelephoneWav(wav, join(dir, `bare-${i}.wav`), { timeoutMs: 10_000 });
  return performance.now() - t0;
}

/**
 * Open loop: alerts sent on a fixed schedule whatever the answers, latency counted from the
 * scheduled send time (so a stall delays every alert behind it, as it would for Veesion).
 */
async function ingestOpenLoop(port: number, token: string, agent: http.Agent) {
  const latencies: number[] = [];
  const total = OPEN_RATE * OPEN_SECONDS;
  // Each alert's acknowledgement time by its number (NaN: not acknowledged).
  const byIndex: number[] = new Array(total).fill(Number.NaN);
  /** How late each alert left the bench: its own stalls, which the daemon did not cause. */
  const lateSends: number[] = [];
  const sends: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * OPEN_RATE) + 1);
    for (; sent < due; sent++) {
      const scheduled = t0 + (sent / OPEN_RATE) * 1000;
      const i = sent;
      lateSends.push(performance.now() - scheduled);
      sends.push(
        postAlert(port, token, { alert_uuid: `paced-${i}`, location: `s${i % 20}`, cameraId: 'cached' }, agent).then(
          (res) => {
            if (res.status !== 200) return;
            byIndex[i] = performance.now() - scheduled;
            latencies.push(byIndex[i]);
          },
          () => undefined,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(sends);
  return { latencies, acked: latencies.length, byIndex, lateSends };
}

/** The daemon's own event-loop lag, from its Prometheus metrics (prom-client defaults). */
async function daemonLoopLag(port: number): Promise<string> {
  const m = await scrapeMetrics(port);
  const get = (name: string) => m.value(name) * 1000;
  return `max ${ms(get('veesion_bridge_nodejs_eventloop_lag_max_seconds'))}, p99 ${ms(get('veesion_bridge_nodejs_eventloop_lag_p99_seconds'))} (since start)`;
}

async function ingestRun(port: number, token: string, agent: http.Agent, prefix = 'ingest', count = INGEST_ALERTS) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const start = performance.now();
      const res = await postAlert(
        port,
        token,
        { alert_uuid: `${prefix}-${i}`, location: `s${i % 20}`, cameraId: 'cached' },
        agent,
      );
      if (res.status === 200) latencies.push(performance.now() - start);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: INGEST_CONCURRENCY }, worker)); // 32 in flight
  const seconds = (performance.now() - t0) / 1000;
  return { latencies, perSecond: latencies.length / seconds, errors };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/** The idle figures with their goals: nothing should wake the daemon more than once a second without work. */
function idleRows(idle: IdleFigures): string[][] {
  return [
    [
      `daemon idle ${idle.seconds.toFixed(0)} s: CPU`,
      `${idle.cpuPercent.toFixed(2)}% of a core`,
      `${verdict(idle.cpuPercent <= 0.1)} target <= 0.1%`,
    ],
    [
      '  event loop woken (main thread context switches)',
      `${idle.mainWakeups.toFixed(1)}/s`,
      `${verdict(idle.mainWakeups <= 5)} target: timers at most once a second each`,
    ],
    ['  every thread of the daemon woken', `${idle.allWakeups.toFixed(1)}/s`, ''],
    ['  RSS at the end', `${idle.rss.toFixed(1)} MB`, `${verdict(idle.rss <= 120)} target <= 120 MB`],
  ];
}
