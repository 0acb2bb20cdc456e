import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchBundles, ESBUILD_TARGET } from './bundles';
import { costPerMillion, PRICES } from './cost';
import { benchDecide } from './decide-throughput';
import {
  countStoreRequests,
  directToSes,
  sendHandlerDurations,
  startBenchGateway,
  throughGateway,
} from './local-gateway-bench';
import { formatBytes, formatMs, formatNumber, formatUsd, markdownTable } from './markdown-table';
import { perMessage } from './store-request-counter';

/**
 * `npm run bench [-- --messages N] [--concurrency C] [--quick] [--out FILE]`: measures the
 * pure decision, the local end-to-end path against the local SES, store requests per
 * message, bundle sizes and load times, and the AWS cost per million messages; prints
 * one markdown report and writes it to bench/latest.md. Starts and stops its own local
 * stack on free ports. Not run by CI: timings depend on the machine.
 */
const USAGE = 'usage: npm run bench -- [--messages N] [--concurrency C] [--quick] [--out FILE]';

/** infra/gateway.ts: `memorySize: props.memorySize ?? 512`, what infra/app.ts deploys. */
const LAMBDA_MEMORY_MB = 512;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer, not "${raw}"\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    concurrency: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/latest.md' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = values.quick === true;
const settings = {
  messages: positiveInt('messages', values.messages, quick ? 500 : 10_000),
  concurrency: positiveInt('concurrency', values.concurrency, 8),
  decideTimeMs: quick ? 100 : 1_000,
  loadRuns: quick ? 3 : 7,
  storeSample: quick ? 10 : 50,
  handlerSample: quick ? 50 : 200,
};

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const started = new Date();
  const load = loadavg().map((l) => l.toFixed(2));
  const sections: string[] = [];
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  sections.push(
    [
      `# consent-gate bench, ${started.toISOString()}`,
      '',
      `\`${command}\` on Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), load average ${load.join(' / ')} at start (1/5/15 min; above 0 means other work was running).`,
      `Messages ${settings.messages.toLocaleString('en-US')}, concurrency ${settings.concurrency}${quick ? ', --quick' : ''}.`,
    ].join('\n'),
  );

  // 1. The pure decision.
  log('1/5 decide() throughput (tinybench)');
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
          r.expected === 'mix' ? '20/20' : `${r.weight}/20`,
          formatNumber(r.decisionsPerSecond),
          `${r.rme.toFixed(1)} %`,
        ]),
      ),
    ].join('\n'),
  );

  // 4. Bundles, before the local stack starts, so that its process is idle meanwhile.
  log(`2/5 bundles and load times (${settings.loadRuns} fresh processes each)`);
  const bundleDir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-bundles-'));
  let bundles: Awaited<ReturnType<typeof benchBundles>>;
  try {
    bundles = await benchBundles({ dir: bundleDir, runs: settings.loadRuns });
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }

  log(`3/5 local stack, ${settings.messages} consented recipients`);
  const gw = await startBenchGateway(settings.messages);
  let gateway: Awaited<ReturnType<typeof throughGateway>>;
  let direct: Awaited<ReturnType<typeof directToSes>>;
  let durations: number[];
  let store: Awaited<ReturnType<typeof countStoreRequests>>;
  try {
    // Warm-up: modules loaded, connections open, JIT warm, on both paths.
    await throughGateway(gw, Math.min(200, settings.messages), settings.concurrency);
    await directToSes(gw, Math.min(200, settings.messages), settings.concurrency);
    log(`3/5 ${settings.messages} messages through the gateway, then straight to the local SES`);
    gateway = await throughGateway(gw, settings.messages, settings.concurrency);
    direct = await directToSes(gw, settings.messages, settings.concurrency);
    log('4/5 SendMessage handler duration, store requests per message');
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
      'Every gateway message is an allowed newsletter to a distinct recipient holding a provable consent (answer 202 `sent`, checked); both paths run in this one Node process with dynalite and aws-ses-v2-local, so the local store and SES share its core with the load generator.',
    ].join('\n'),
  );

  const targetOf = (
    path: string,
    pm: ReturnType<typeof perMessage>,
    counts: (typeof store)[number]['counts'],
  ) => {
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
      `Per message, averaged over the messages of each row (after one warm-up call). RRU/WRU as on-demand billing counts them: strongly consistent reads, one RRU per 4 KB (BatchGetItem charges every requested key, found or not), one WRU per KB written; UpdateItem/DeleteItem counted as one WRU each (items under 1 KB). Largest item seen: ${formatBytes(Math.max(0, ...store.flatMap((s) => s.counts.map((c) => c.maxItemBytes))))}.`,
    ].join('\n'),
  );

  sections.push(
    [
      `## 4. Lambda bundles (esbuild as CDK bundles them: ESM, platform node, target ${ESBUILD_TARGET}, minify, keepNames, AWS SDK bundled, no source map) and import time`,
      '',
      markdownTable(
        [
          'entry point',
          'bundle',
          'import (median)',
          'bare handler, same SDK clients',
          'bare import',
          'size ×',
          'import ×',
        ],
        bundles.map((b) => [
          b.id,
          formatBytes(b.bytes),
          formatMs(b.loadMs),
          formatBytes(b.bareBytes),
          formatMs(b.bareLoadMs),
          ratio(b.bytes, b.bareBytes),
          ratio(b.loadMs, b.bareLoadMs),
        ]),
      ),
      '',
      `Import time: \`await import()\` of the bundle in a fresh \`node\` process (Node ${process.version} here, not the Lambda runtime's), median of ${settings.loadRuns}; the process start itself is excluded. The bare handler imports only the client classes of the SDK packages found in the function's bundle (${[...new Set(bundles.flatMap((b) => b.sdkPackages))].join(', ')}).`,
    ].join('\n'),
  );

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

  const report = `${sections.join('\n\n')}\n`;
  process.stdout.write(report);
  const out = resolve(values.out ?? 'bench/latest.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  log(`written to ${out} in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
