/**
 * Profiles sends on the local stack, only while they run (node:inspector, not --cpu-prof:
 * start-up and seeding stay out of the profile):
 * `node --import tsx scripts/bench/profile-send.ts [N] [newsletter|small] [gateway|same-io] [out.cpuprofile]`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import {
  type BenchBody,
  recordSendIo,
  sameIoHandler,
  startBenchGateway,
  throughGateway,
  throughSameIo,
} from './local-gateway-bench';

const n = Number(process.argv[2] ?? 400);
const body = (process.argv[3] ?? 'newsletter') as BenchBody;
const path = process.argv[4] ?? 'gateway';
const out = process.argv[5];
const gw = await startBenchGateway(n + 100);
// Off the request path, and it reads the handlers' dependencies: stopped, as in the bench's section 2.
await gw.stack.counterStream.stop();
const template = await recordSendIo(gw, 50, body);
const sameIo = sameIoHandler(template.sends);
gw.serveSameIo(sameIo.handler);
const run = (count: number, offset: number) =>
  path === 'gateway' ? throughGateway(gw, count, 8, offset, body) : throughSameIo(gw, count, 8, offset, body);
const session = new Session();
try {
  await run(50, 0); // warm-up
  session.connect();
  if (out) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const r = await run(n, 50);
  const used = process.cpuUsage(cpu);
  if (out) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(out, JSON.stringify(profile));
  }
  console.error(
    `${n} ${body} sends via ${path}: ${r.perSecond.toFixed(1)} msg/s, ${((used.user + used.system) / 1000 / n).toFixed(2)} ms CPU/msg, ${r.failures} failed`,
  );
} finally {
  session.disconnect();
  sameIo.close();
  await gw.stop();
}
