import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { benchBundles, ESBUILD_TARGET, MAX_BUNDLE_BYTES } from './bundles';
import { costPerMillion, PRICES } from './cost';
import { benchDecide } from './decide-throughput';
import { benchEngines } from './engines';
import { benchInjection } from './inject';
import {
  countStoreRequests,
  directToSes,
  sendHandlerDurations,
  startBenchGateway,
  throughGateway,
} from './local-gateway-bench';
import { formatBytes, formatMs, formatNumber, formatUsd, markdownTable } from './markdown-table';
import { benchPartitionGrowth } from './partition-growth';
import { perMessage } from './store-request-counter';

/**
 * `consent-gate bench [--messages N] [--concurrency C] [--quick] [--out FILE] [--section S]`
 * (also `npm run bench -- …`): measures the pure decision, the local end-to-end path
 * against the local SES, store requests per message, bundle sizes and load times, the AWS
 * cost per million messages, and the cost of recording a consent in a partition that grew;
 * prints one markdown report and writes it to bench/latest.md. Starts and stops its own
 * local stack on free ports. Not run by CI: timings depend on the machine. `--section`
 * runs one part only (decide, inject, bundles, gateway: sections 2, 3 and 5, partition, or engines:
 * dynalite and DynamoDB Local side by side) and
 * writes its report to bench/<section>.md unless --out is given, so that bench/latest.md
 * stays a whole run.
 */
export const BENCH_SECTIONS = ['decide', 'inject', 'bundles', 'gateway', 'partition', 'engines'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** infra/gateway.ts: `memorySize: props.memorySize ?? 512`, what infra/app.ts deploys. */
const LAMBDA_MEMORY_MB = 512;

export interface BenchOptions {
  readonly messages?: number;
  readonly concurrency?: number;
  readonly quick?: boolean;
  readonly out?: string;
  readonly section?: BenchSection;
  /** The command line shown in the report's first lines. */
  readonly command: string;
}

function benchSettings(options: BenchOptions) {
  const quick = options.quick === true;
  return {
    quick,
    messages: options.messages ?? (quick ? 500 : 10_000),
    concurrency: options.concurrency ?? 8,
    decideTimeMs: quick ? 100 : 1_000,
    loadRuns: quick ? 3 : 7,
    storeSample: quick ? 10 : 50,
    handlerSample: quick ? 50 : 200,
    partitionAuditEvents: quick ? 2_000 : 10_000,
    engineMessages: Math.min(options.messages ?? 2_000, quick ? 300 : 2_000),
    partitionRounds: quick ? 10 : 30,
  };
}

// One run per process: the section functions below read the run's settings.
let settings: ReturnType<typeof benchSettings> = benchSettings({ command: '' });

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runBench(options: BenchOptions): Promise<void> {
  settings = benchSettings(options);
  const quick = settings.quick;
  const only = options.section;
  const want = (section: BenchSection) => only === undefined || only === section;
  const started = new Date();
  const load = loadavg().map((l) => l.toFixed(2));
  const sections: string[] = [];
  const command = options.command;
  sections.push(
    [
      `# consent-gate bench, ${started.toISOString()}`,
      '',
      `\`${command}\` on Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), load average ${load.join(' / ')} at start (1/5/15 min; above 0 means other work was running).`,
      `Messages ${settings.messages.toLocaleString('en-US')}, concurrency ${settings.concurrency}${quick ? ', --quick' : ''}.`,
    ].join('\n'),
  );

  if (want('decide')) await decideSection(sections);
  if (want('inject')) injectSection(sections);
  let bundles: Awaited<ReturnType<typeof benchBundles>> | undefined;
  if (want('bundles')) bundles = await bundlesSection();
  if (want('gateway')) await gatewaySection(sections, bundles);
  else if (bundles) sections.push(bundlesReport(bundles));
  if (want('partition')) await partitionSection(sections);
  if (want('engines')) await enginesSection(sections);

  const report = `${sections.join('\n\n')}\n`;
  process.stdout.write(report);
  const out = resolve(options.out ?? (only === undefined ? 'bench/latest.md' : `bench/${only}.md`));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  log(`written to ${out} in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
}

async function decideSection(sections: string[]) {
  // 1. The pure decision.
  log('1/6 decide() throughput (tinybench)');
  const decideResults = await benchDecide({ timeMs: settings.decideTimeMs });
  sections.push(
    [
      '## 1. The pure decision: `decide()` per second (tinybench)',
      '',
      markdownTable(
        ['recipient state', 'outcome', 'share of mix', 'decisions/s', '± (rme)'],
        decideResults.map((r) => [
          r.name,
          r.expected,
          r.expected === 'mix'
            ? `${r.weight}/${r.weight}`
            : `${r.weight}/${decideResults.at(-1)?.weight ?? ''}`,
          formatNumber(r.decisionsPerSecond),
          `${r.rme.toFixed(1)} %`,
        ]),
      ),
    ].join('\n'),
  );
}

/** Issue 14 part 3: the link injection before and now, side by side in one run. */
function injectSection(sections: string[]) {
  const rounds = settings.quick ? 5 : 15;
  const calls = settings.quick ? 40 : 200;
  log(`injectIntoHtml before and now (${rounds} interleaved rounds of ${calls} calls)`);
  const rows = benchInjection({ rounds, calls });
  const ms = (x: number) => (x < 0.1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(3)} ms`);
  sections.push(
    [
      '## The link injection: `injectIntoHtml` before and now',
      '',
      `Before: parse, walk, serialise, parse again (the copy kept in \`test/support/inject-oracle.ts\`); now: the splice path at tokenizer offsets, the full path for markup it does not follow. ${rounds} rounds of ${calls} calls each, the two variants in turn in every round; median (lowest–highest round) of the mean time per call, and CPU time (user + system) per call.`,
      '',
      markdownTable(
        [
          'HTML body',
          'bytes',
          'spliced',
          'before',
          'now',
          'now ÷ before',
          'CPU before',
          'CPU now',
          'CPU now ÷ before',
          'CPU of the tokenizer alone',
        ],
        rows.map((r) => [
          r.body,
          formatNumber(r.bytes),
          r.spliced ? 'yes' : 'no',
          `${ms(r.beforeMs.median)} (${ms(r.beforeMs.low)}–${ms(r.beforeMs.high)})`,
          `${ms(r.nowMs.median)} (${ms(r.nowMs.low)}–${ms(r.nowMs.high)})`,
          ratio(r.nowMs.median, r.beforeMs.median),
          ms(r.beforeCpuMs),
          ms(r.nowCpuMs),
          ratio(r.nowCpuMs, r.beforeCpuMs),
          `${ms(r.tokenizerCpuMs)} (${ratio(r.tokenizerCpuMs, r.beforeCpuMs)})`,
        ]),
      ),
    ].join('\n'),
  );
}

/** 4. Bundles, before the local stack starts, so that its process is idle meanwhile. */
async function bundlesSection() {
  log(`2/6 bundles and load times (${settings.loadRuns} fresh processes each)`);
  const bundleDir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-bundles-'));
  try {
    return await benchBundles({ dir: bundleDir, runs: settings.loadRuns });
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

async function gatewaySection(
  sections: string[],
  bundles: Awaited<ReturnType<typeof benchBundles>> | undefined,
) {
  log(`3/6 local stack, ${settings.messages} consented recipients`);
  const gw = await startBenchGateway(settings.messages);
  let gateway: Awaited<ReturnType<typeof throughGateway>>;
  let direct: Awaited<ReturnType<typeof directToSes>>;
  let durations: number[];
  let store: Awaited<ReturnType<typeof countStoreRequests>>;
  try {
    // Warm-up: modules loaded, connections open, JIT warm, on both paths.
    await throughGateway(gw, Math.min(200, settings.messages), settings.concurrency);
    await directToSes(gw, Math.min(200, settings.messages), settings.concurrency);
    log(`3/6 ${settings.messages} messages through the gateway, then straight to the local SES`);
    gateway = await throughGateway(gw, settings.messages, settings.concurrency);
    direct = await directToSes(gw, settings.messages, settings.concurrency);
    log('4/6 SendMessage handler duration, store requests per message');
    durations = await sendHandlerDurations(gw, settings.handlerSample, 0);
    store = await countStoreRequests(gw, settings.storeSample);
  } finally {
    await gw.stop();
  }

  sections.push(
    [
      `## 2. Local end to end: ${settings.messages.toLocaleString('en-US')} emails, concurrency ${settings.concurrency}`,
      '',
      markdownTable(
        ['path', 'messages/s', 'p50', 'p99', 'failed', 'wall time'],
        [
          [
            'gateway: `POST /v1/messages` → decide → local SES',
            formatNumber(gateway.perSecond),
            formatMs(gateway.p50Ms),
            formatMs(gateway.p99Ms),
            String(gateway.failures),
            `${gateway.seconds.toFixed(1)} s`,
          ],
          [
            'direct: SES v2 `SendEmail` (AWS SDK) → local SES',
            formatNumber(direct.perSecond),
            formatMs(direct.p50Ms),
            formatMs(direct.p99Ms),
            String(direct.failures),
            `${direct.seconds.toFixed(1)} s`,
          ],
          [
            'gateway ÷ direct',
            ratio(gateway.perSecond, direct.perSecond),
            ratio(gateway.p50Ms, direct.p50Ms),
            ratio(gateway.p99Ms, direct.p99Ms),
            '',
            '',
          ],
        ],
      ),
      '',
      'Every gateway message is an allowed newsletter to a distinct recipient holding a provable consent (answer 202 `sent`, checked); both paths run in this one Node process with aws-ses-v2-local, so the local SES shares its core with the load generator; the store is DynamoDB Local, a JVM beside it on the same cores.',
    ].join('\n'),
  );

  const targetOf = (
    path: string,
    pm: ReturnType<typeof perMessage>,
    counts: (typeof store)[number]['counts'],
  ) => {
    if (path.startsWith('POST /v1/objections')) return 'n/a (a change: one transaction with its event)';
    const batched = counts.some((c) => c.command === 'BatchGetItemCommand' && c.requests > 0);
    const singleReads = counts.find((c) => c.command === 'QueryCommand')?.requests ?? 0;
    if (path.startsWith('POST /v1/decisions')) {
      return batched && singleReads === 0
        ? 'yes (batched reads)'
        : 'no: one query per recipient, not batched';
    }
    const reads = path.startsWith('bulk') ? batched : pm.readRequests <= 1;
    const writes = pm.writeRequests <= 1;
    if (reads && writes) return 'yes';
    return `no: ${[
      reads
        ? undefined
        : path.startsWith('bulk')
          ? 'reads not batched'
          : `${formatNumber(pm.readRequests)} reads`,
      writes ? undefined : `${formatNumber(pm.writeRequests)} writes`,
    ]
      .filter(Boolean)
      .join(', ')}`;
  };
  sections.push(
    [
      '## 3. Store requests per message (DynamoDB, counted by an SDK middleware)',
      '',
      'Target: one read and at most one write per message; batched reads on the bulk path.',
      '',
      markdownTable(
        [
          'path',
          'messages',
          'read requests',
          'items read',
          'RRU',
          'write requests',
          'items written',
          'WRU',
          'meets target',
          'commands (per message)',
        ],
        store.map((s) => {
          const pm = perMessage(s.counts, s.messages);
          return [
            s.path,
            String(s.messages),
            formatNumber(pm.readRequests),
            formatNumber(pm.readItems),
            formatNumber(pm.readUnits),
            formatNumber(pm.writeRequests),
            formatNumber(pm.writeItems),
            formatNumber(pm.writeUnits),
            targetOf(s.path, pm, s.counts),
            s.counts
              .map((c) => `${c.command.replace(/Command$/, '')} ${formatNumber(c.requests / s.messages)}`)
              .join(', '),
          ];
        }),
      ),
      '',
      `Per message, averaged over the messages of each row (after one warm-up call). RRU/WRU as on-demand billing counts them: strongly consistent reads, one RRU per 4 KB (BatchGetItem charges every requested key, found or not), one WRU per KB written, two per KB of each item of a TransactWriteItems; UpdateItem/DeleteItem counted as one WRU each (items under 1 KB). A send's decision is one conditional put appended to the recipient's chain of decisions (one strongly consistent Query of the chain's tip before it); a state change (last row) is one transaction of its state items, its audit event and, for fixed ids, a marker. Largest item seen: ${formatBytes(Math.max(0, ...store.flatMap((s) => s.counts.map((c) => c.maxItemBytes))))}.`,
    ].join('\n'),
  );

  if (bundles) sections.push(bundlesReport(bundles));

  // 5. Cost.
  const handlerMs = durations.map((d) => Math.ceil(d));
  const meanBilledMs = handlerMs.reduce((a, b) => a + b, 0) / handlerMs.length;
  const single = perMessage(store[0]!.counts, store[0]!.messages);
  const cost = costPerMillion({
    handlerMs: meanBilledMs,
    memoryMb: LAMBDA_MEMORY_MB,
    readUnitsPerMessage: single.readUnits,
    writeUnitsPerMessage: single.writeUnits,
    invocationsPerMessage: 1,
    apiRequestsPerMessage: 1,
  });
  sections.push(
    [
      `## 5. AWS cost per million messages through \`POST /v1/messages\` (${PRICES.region}, ${PRICES.asOf})`,
      '',
      markdownTable(
        ['item', 'basis', 'per million messages'],
        [
          ...cost.lines.map((l) => [l.item, l.basis, formatUsd(l.usdPerMillion)]),
          ['**gateway total**', '', `**${formatUsd(cost.total)}**`],
          [
            'SES itself',
            `$${PRICES.sesPerMillionEmails / 1000} per 1,000 emails`,
            formatUsd(PRICES.sesPerMillionEmails),
          ],
          ['**gateway ÷ SES**', '', `**${(cost.ratioToSes * 100).toFixed(1)} %**`],
        ],
      ),
      '',
      `Lambda duration: the SendMessage handler invoked directly, one at a time, ${durations.length} times, against the local store and SES in this process (median ${formatMs(median(durations))}, mean billed ${meanBilledMs.toFixed(1)} ms after rounding each up to 1 ms); on AWS the store and SES calls take network time instead, so this is an estimate. Memory ${LAMBDA_MEMORY_MB} MB (infra/gateway.ts default). DynamoDB units from row 1 of section 3. Not counted: cold starts, CloudWatch Logs, Secrets Manager (read once per environment), EventBridge, data transfer, storage.`,
    ].join('\n'),
  );
}

function bundlesReport(bundles: Awaited<ReturnType<typeof benchBundles>>): string {
  const within = (b: (typeof bundles)[number]) =>
    b.bytes <= MAX_BUNDLE_BYTES && b.loadMs <= 1.5 * b.bareLoadMs ? 'yes' : 'no';
  return [
    `## 4. Lambda bundles (esbuild as CDK bundles them: ESM, platform node, target ${ESBUILD_TARGET}, minify, keepNames, AWS SDK bundled, no source map) and import time`,
    '',
    `Targets: every bundle ≤ ${formatBytes(MAX_BUNDLE_BYTES)}; its import ≤ 1.5× a bare handler importing only the SDK clients the function calls.`,
    '',
    markdownTable(
      [
        'entry point',
        'bundle',
        'import (median)',
        'spread',
        'SDK clients called',
        'bare handler',
        'bare import',
        'import ×',
        'meets targets',
        'largest parts',
        'SDK packages in the bundle, not called',
      ],
      bundles.map((b) => [
        b.id,
        formatBytes(b.bytes),
        formatMs(b.loadMs),
        `${(b.loadSpread * 100).toFixed(0)} %`,
        b.calledPackages.map((p) => p.replace('@aws-sdk/', '')).join(', ') || 'none',
        formatBytes(b.bareBytes),
        formatMs(b.bareLoadMs),
        ratio(b.loadMs, b.bareLoadMs),
        within(b),
        b.largest.map((l) => `${l.name} ${formatBytes(l.bytes)}`).join(', '),
        b.sdkPackages
          .filter((p) => !b.calledPackages.includes(p))
          .map((p) => p.replace('@aws-sdk/', ''))
          .join(', ') || '—',
      ]),
    ),
    '',
    `Import time: \`await import()\` of the bundle in a fresh \`node\` process (Node ${process.version} here, not the Lambda runtime's), median of ${settings.loadRuns} runs, each run importing every bundle and its bare handler in turn; the process start itself is excluded; spread = (slowest − fastest) ÷ median. The bare handler imports the client class of each SDK package the function calls, from its \`needs\` in infra/entry-points.ts (what the construct grants), bundled the same way.`,
  ].join('\n');
}

/** 7. The local engine before (dynalite) and after (DynamoDB Local), in this one run. */
async function enginesSection(sections: string[]) {
  log(`7/7 local engines: dynalite and DynamoDB Local, start and ${settings.engineMessages} messages each`);
  const results = await benchEngines({
    messages: settings.engineMessages,
    concurrency: settings.concurrency,
    log,
  });
  const [before, after] = results;
  sections.push(
    [
      `## 7. The local engine: dynalite (before) and DynamoDB Local (after), ${settings.engineMessages.toLocaleString('en-US')} emails each, concurrency ${settings.concurrency}`,
      '',
      markdownTable(
        ['engine', 'engine start', 'stack start', 'messages/s', 'p50', 'p99', 'failed'],
        [
          ...results.map((r) => [
            `${r.engine} ${r.version}`,
            formatMs(r.engineStartMs),
            formatMs(r.stackStartMs),
            formatNumber(r.gateway.perSecond),
            formatMs(r.gateway.p50Ms),
            formatMs(r.gateway.p99Ms),
            String(r.gateway.failures),
          ]),
          ...(before && after
            ? [
                [
                  'after ÷ before',
                  ratio(after.engineStartMs, before.engineStartMs),
                  ratio(after.stackStartMs, before.stackStartMs),
                  ratio(after.gateway.perSecond, before.gateway.perSecond),
                  ratio(after.gateway.p50Ms, before.gateway.p50Ms),
                  ratio(after.gateway.p99Ms, before.gateway.p99Ms),
                  '',
                ],
              ]
            : []),
        ],
      ),
      '',
      'Stack start: the engine, the local SES, SMS and API servers, the table and the demo tenant, until the first message can be sent (what `npm start` and every test file wait for; the tests start one DynamoDB Local per run and a table per file). Throughput: `POST /v1/messages` → decide → local SES, as in section 2, after 200 warm-up messages. dynalite runs inside this Node process; DynamoDB Local is a JVM (client compiler only, for a faster start) beside it. dynalite stays a devDependency for this section only.',
    ].join('\n'),
  );
}

/** 6. A consent recorded in a partition that grew, against a fresh one (bounded request path). */
async function partitionSection(sections: string[]) {
  log(
    `6/6 POST /v1/consents with ${settings.partitionAuditEvents} audit events in the partition vs a fresh recipient, ${settings.partitionRounds} rounds`,
  );
  const r = await benchPartitionGrowth({
    auditEvents: settings.partitionAuditEvents,
    rounds: settings.partitionRounds,
  });
  sections.push(
    [
      `## 6. Recording a consent in a partition that grew: ${r.auditEvents.toLocaleString('en-US')} audit events against a fresh recipient`,
      '',
      'Target: the crowded recipient within 2× the fresh one.',
      '',
      markdownTable(
        ['recipient', 'p50', 'p90', 'store requests per call'],
        [
          [
            `${r.auditEvents.toLocaleString('en-US')} audit events`,
            formatMs(r.crowded.p50Ms),
            formatMs(r.crowded.p90Ms),
            String(r.crowded.requests),
          ],
          ['fresh', formatMs(r.fresh.p50Ms), formatMs(r.fresh.p90Ms), String(r.fresh.requests)],
          [
            '**crowded ÷ fresh**',
            `**${ratio(r.crowded.p50Ms, r.fresh.p50Ms)}**`,
            ratio(r.crowded.p90Ms, r.fresh.p90Ms),
            ratio(r.crowded.requests, r.fresh.requests),
          ],
        ],
      ),
      '',
      `\`POST /v1/consents\` through the local API, ${r.rounds} rounds side by side in one run (one consent for each recipient per round, order alternating, after 5 warm-up calls), \`givenAt\` moving forward each round so that every consent extends retention. The re-plan of the rest of the partition runs off the request path (the scheduled ReplanRetention function): here, once afterwards, it set ${r.replan.items.toLocaleString('en-US')} TTLs in ${formatMs(r.replan.ms)}.`,
    ].join('\n'),
  );
}
