// Token-server benchmarks on loopback, against the real CLI (server/main.ts) in its own process with a
// real SFU, and a bare Express baseline in an identical process:
//  - lobby join: autocannon (10 connections) on POST /v1/lobby/join with valid, unused codes;
//  - waiting-room capacity: N concurrent lobby streams, one queue change, time until all see it, RSS.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Agent, fetch as undiciFetch } from 'undici';
import { freePort, startLivekit } from '../scripts/livekit.mjs';
import { startPostgres } from '../scripts/postgres.mjs';
import { median, summarize } from './lib.mjs';

// BENCH_PROFILE=dir writes a V8 CPU profile of the token server there (open it in Chrome DevTools).
const nodeArgs = ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])];

function spawnServer(args, env, readyPattern) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let started = false;
  const ready = new Promise((resolve, reject) => {
    // Kept only until ready: the token server logs a line per request, and appending every one of them to a
    // string cost the load generator (this process) work during our runs that the silent baseline never caused.
    const onData = (chunk) => {
      if (started) return;
      output += chunk;
      if (readyPattern.test(output)) {
        started = true;
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    child,
    ready,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The real token server (CLI) with limits raised so the limiter is not what we measure; `database` replaces the
 * SQLite file (e.g. `{ url }` for PostgreSQL).
 */
async function startTokenServer({ database } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-'));
  const [apiPort] = [await freePort()];
  const sfu = await startLivekit({ webhookUrl: `http://127.0.0.1:${apiPort}/v1/webhooks/livekit` });
  const apiKey = `vk_bench_${randomBytes(12).toString('hex')}`;
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      port: apiPort,
      livekit: { url: sfu.url, apiKey: sfu.apiKey, apiSecret: sfu.apiSecret },
      database: database ?? { path: join(dir, 'bench.sqlite') },
      secret: randomBytes(32).toString('hex'),
      tenants: [{ id: 'bench', name: 'Bench', apiKeySha256: [createHash('sha256').update(apiKey).digest('hex')], allowedOrigins: [] }],
      maxOpenCodesPerConsultation: 10_000,
      rateLimits: { lobbyPerMinute: 1_000_000, practitionerPerMinute: 1_000_000, integratorPerMinute: 1_000_000 },
    }),
  );
  const server = spawnServer([...nodeArgs, 'server/main.ts'], { VC_CONFIG: configFile }, /listening on/);
  await server.ready;
  const base = `http://127.0.0.1:${apiPort}`;
  const call = async (path, body, token = apiKey) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    base,
    call,
    server,
    /** Issues n codes through the integrator API, 8 requests at a time. */
    async codes(consultationId, n) {
      const out = [];
      let issued = 0;
      const worker = async () => {
        while (issued < n) {
          issued += 1;
          out.push((await call(`/v1/consultations/${consultationId}/access-codes`, {})).code);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return out;
    },
    async stop() {
      await server.stop();
      await sfu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs autocannon. `elapsed` is measured here, from the start to the last response: autocannon reports its
 * configured duration, and ends an amount-bounded run only on its next one-second tick.
 */
function cannon(opts) {
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ ...result, elapsed: (last - started) / 1000 })));
    instance.on('response', () => (last = performance.now()));
  });
}

export async function lobbyJoin({ quick }) {
  const codesPerRun = quick ? 2000 : 20000;
  const rounds = quick ? 1 : 3;
  const stack = await startTokenServer();
  // The same server on PostgreSQL (Debian's, on loopback, a temporary data folder), measured in the same rounds.
  const postgres = await startPostgres();
  const pgStack = await startTokenServer({ database: { url: postgres.url } });
  const basePort = await freePort();
  const baseline = spawnServer(['bench/baseline-server.mjs'], { PORT: String(basePort) }, /ready/);
  try {
    await baseline.ready;
    const body = (code, i) => JSON.stringify({ code, name: `Patient ${i}` });
    // Each request redeems a fresh code (shared counter across connections). The run is bounded by the number of
    // codes, not by time: requests after the last code would measure 404s, and autocannon pads a duration-bounded
    // run to whole seconds. The baseline gets the same client work per request (a body built per request), so
    // the client's own cost weighs on both sides alike.
    const joins = (url, codes) => {
      let next = 0;
      return cannon({
        url,
        connections: 10,
        amount: codes.length,
        headers: { 'content-type': 'application/json' },
        requests: [
          { method: 'POST', path: '/v1/lobby/join', setupRequest: (req) => ({ ...req, body: body(codes[next % codes.length], next++) }) },
        ],
      });
    };
    // Fresh codes for each run, spread over consultations of 5,000 (a consultation caps its open codes).
    const freshCodes = async (server, n = codesPerRun) => {
      const codes = [];
      while (codes.length < n) {
        const consultation = await server.call('/v1/consultations', { title: 'bench', maxParticipants: 16 });
        codes.push(...(await server.codes(consultation.id, Math.min(5000, n - codes.length))));
      }
      return codes;
    };
    const oursRuns = [];
    const baseRuns = [];
    const pgRuns = [];
    // Warm-up (JIT, connection pools, SQLite caches) on all three, not measured.
    const warmCodes = (server) => freshCodes(server, Math.min(500, codesPerRun));
    const [warmOurs, warmPg] = [await warmCodes(stack), await warmCodes(pgStack)];
    await joins(stack.base, warmOurs);
    await joins(pgStack.base, warmPg);
    await joins(`http://127.0.0.1:${basePort}`, warmOurs);
    // Each round issues its codes first, then runs ours, ours on PostgreSQL and the baseline in an order that
    // rotates from round to round, so neither the aftermath of issuing codes nor drift on a shared machine
    // weighs on one side only.
    for (let round = 0; round < rounds; round++) {
      const codes = await freshCodes(stack);
      const pgCodes = await freshCodes(pgStack);
      const runs = [
        async () => oursRuns.push(await joins(stack.base, codes)),
        async () => pgRuns.push(await joins(pgStack.base, pgCodes)),
        async () => baseRuns.push(await joins(`http://127.0.0.1:${basePort}`, codes)),
      ];
      for (let i = 0; i < runs.length; i++) await runs[(round + i) % runs.length]();
    }
    // Throughput as completed requests over the real elapsed time (the run may end early when the codes
    // run out, which per-second averages would misreport).
    const rate = (r) => r.requests.total / r.elapsed;
    const ours = summarize(oursRuns.map(rate));
    const base = summarize(baseRuns.map(rate));
    const ratios = oursRuns.map((r, i) => rate(r) / rate(baseRuns[i]));
    const ratio = median(ratios);
    const non2xx = oursRuns.reduce((n, r) => n + r.non2xx, 0);
    const p99 = summarize(oursRuns.map((r) => r.latency.p99));
    const pg = summarize(pgRuns.map(rate));
    const pgRatios = pgRuns.map((r, i) => rate(r) / rate(oursRuns[i]));
    const pgRatio = median(pgRatios);
    const pgNon2xx = pgRuns.reduce((n, r) => n + r.non2xx, 0);
    const rows = [
      {
        benchmark: 'lobby join endpoint',
        metric: `requests/s (10 connections; ratio: median of ${rounds} paired runs)`,
        value: ours,
        baseline: base.median,
        ratio,
        target: '≥ 0.7× bare Express',
        met: ratio >= 0.7 && non2xx === 0,
      },
      {
        benchmark: 'lobby join endpoint',
        metric: 'p99 latency',
        unit: 'ms',
        value: p99,
        baseline: median(baseRuns.map((r) => r.latency.p99)),
        target: '≤ 20 ms',
        met: p99.median <= 20,
      },
      {
        benchmark: 'lobby join endpoint (PostgreSQL)',
        metric: `requests/s (10 connections; ratio: against the SQLite store, median of ${rounds} paired runs)`,
        value: pg,
        baseline: ours.median,
        ratio: pgRatio,
        target: '≥ 0.5× the SQLite store',
        met: pgRatio >= 0.5 && pgNon2xx === 0,
      },
      {
        benchmark: 'lobby join endpoint (PostgreSQL)',
        metric: 'p99 latency',
        unit: 'ms',
        value: summarize(pgRuns.map((r) => r.latency.p99)),
        baseline: p99.median,
      },
    ];
    const rawRun = (r) => ({ seconds: r.elapsed, requests: r.requests, latency: r.latency, non2xx: r.non2xx, errors: r.errors });
    return {
      rows,
      raw: { ratios, ours: oursRuns.map(rawRun), baseline: baseRuns.map(rawRun), postgres: { ratios: pgRatios, runs: pgRuns.map(rawRun) } },
    };
  } finally {
    await baseline.stop();
    await stack.stop();
    await pgStack.stop();
    await postgres.stop();
  }
}

/** Opens a lobby stream and records every queue position with the time it arrived. */
function openStream(base, ticket, dispatcher) {
  const events = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await undiciFetch(`${base}/v1/lobby/events`, {
      headers: { authorization: `Bearer ${ticket}`, accept: 'text/event-stream' },
      signal: controller.signal,
      dispatcher,
    });
    if (!res.ok) throw new Error(`stream answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith('event: queue')) {
          const data = JSON.parse(
            block
              .split('\n')
              .find((l) => l.startsWith('data:'))
              .slice(5),
          );
          events.push({ position: data.position, at: performance.now() });
        }
      }
    }
  })().catch((err) => {
    if (err.name !== 'AbortError') events.push({ error: String(err) });
  });
  return { events, close: () => controller.abort(), done };
}

export async function waitingRoomCapacity({ quick }) {
  const patients = quick ? 100 : 1000;
  const stack = await startTokenServer();
  const dispatcher = new Agent({ connections: patients + 50, pipelining: 0, headersTimeout: 0, bodyTimeout: 0 });
  const streams = [];
  try {
    const consultation = await stack.call('/v1/consultations', { title: 'capacity' });
    const codes = await stack.codes(consultation.id, patients);
    const { token } = await stack.call(`/v1/consultations/${consultation.id}/practitioner-tokens`, { name: 'Dr. Bench' });
    const tickets = [];
    for (let i = 0; i < codes.length; i++) {
      const joined = await stack.call('/v1/lobby/join', { code: codes[i], name: `Patient ${i}` }, null);
      tickets.push(joined);
    }
    for (const { ticket } of tickets) streams.push(openStream(stack.base, ticket, dispatcher));
    // Everyone has their first position.
    const deadline = Date.now() + 60_000;
    while (streams.some((s) => s.events.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const connected = streams.filter((s) => s.events.length > 0).length;
    const rssBefore = stack.server.rssBytes();
    // One queue change: the practitioner admits the first patient; everyone else moves up one place.
    const changedAt = performance.now();
    await stack.call('/v1/practitioner/admit', { ticketId: tickets[0].ticketId }, token);
    const moved = streams.slice(1);
    const waitUntil = Date.now() + 30_000;
    while (moved.some((s, i) => !s.events.some((e) => e.position === i + 1 && e.at >= changedAt)) && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const latencies = moved.map((s, i) => {
      const hit = s.events.find((e) => e.position === i + 1 && e.at >= changedAt);
      return hit ? hit.at - changedAt : Number.NaN;
    });
    const seen = latencies.filter((l) => !Number.isNaN(l));
    const lost = moved.length - seen.length;
    const rss = Math.max(rssBefore, stack.server.rssBytes());
    const all = seen.length ? Math.max(...seen) : Number.NaN;
    return {
      rows: [
        {
          benchmark: 'waiting-room capacity',
          metric: `${patients} streams: all see new position`,
          unit: 'ms',
          value: all,
          target: '≤ 1000 ms, none lost',
          met: lost === 0 && connected === patients && all <= 1000,
        },
        { benchmark: 'waiting-room capacity', metric: 'per-patient update latency', unit: 'ms', value: summarize(seen) },
        {
          benchmark: 'waiting-room capacity',
          metric: 'token-server RSS',
          unit: 'B',
          value: rss,
          target: '≤ 250 MB',
          met: rss <= 250 * 1024 * 1024,
        },
      ],
      raw: { patients, connected, lost, latenciesMs: latencies, rssBytes: rss },
    };
  } finally {
    for (const s of streams) s.close();
    await dispatcher.close().catch(() => undefined);
    await stack.stop();
  }
}
