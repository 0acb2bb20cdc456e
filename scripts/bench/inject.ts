import { cpuUsage } from 'node:process';
import { Tokenizer } from 'parse5';
import { injectBySplicing, injectIntoHtml, UNSUBSCRIBE_LINK } from '../../shared/domain/inject-unsubscribe';
import { injectIntoHtmlBefore } from '../../test/support/inject-oracle';
import { newsletter } from '../../test/support/local-gateway';
import { NEWSLETTER_HTML } from '../../test/support/newsletter-fixture';

/**
 * `injectIntoHtml` before (parse, walk, serialise, parse again: the copy in
 * test/support/inject-oracle.ts) and now (the splice path at the markup scanner's offsets), for the
 * 47 KB newsletter fixture and for the bench's 83-byte body, interleaved: each round times
 * every variant once, in turn, so that other work on the machine weighs on all of them alike;
 * the figures are the medians over the rounds, with their spread (lowest–highest round).
 */
export interface InjectionRow {
  readonly body: string;
  readonly bytes: number;
  readonly spliced: boolean;
  readonly beforeMs: Spread;
  readonly nowMs: Spread;
  /** CPU time (user + system) per call, now, over all rounds. */
  readonly nowCpuMs: number;
  readonly beforeCpuMs: number;
  /**
   * parse5's tokenizer alone over the body, handler doing nothing, reading a code point at a time:
   * the splice path's scanner jumps from one `<` to the next (html-markup-scanner.ts), so the
   * splice path costs less than this.
   */
  readonly tokenizerCpuMs: number;
}

const IDLE = () => undefined;
const IGNORE_TOKENS = {
  onStartTag: IDLE,
  onEndTag: IDLE,
  onComment: IDLE,
  onDoctype: IDLE,
  onCharacter: IDLE,
  onNullCharacter: IDLE,
  onWhitespaceCharacter: IDLE,
  onEof: IDLE,
};

export interface Spread {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

const URL_ = 'https://gateway.example/u/v1.k1.bench-payload.bench-signature';

function spread(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, low: sorted[0]!, high: sorted.at(-1)! };
}

/** Mean wall and CPU time of `calls` calls of `run`, in ms. */
function time(run: () => unknown, calls: number): { wall: number; cpu: number } {
  const cpu = cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) run();
  const wall = (performance.now() - started) / calls;
  const used = cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 / calls };
}

export function benchInjection(options: { rounds: number; calls: number }): InjectionRow[] {
  const bodies: [string, string][] = [
    ['47 KB newsletter (test/support/newsletter-fixture.ts)', NEWSLETTER_HTML],
    ['83-byte body of the gateway rows', newsletter('x').html],
  ];
  return bodies.map(([body, html]) => {
    const variants = {
      before: () => injectIntoHtmlBefore(html, URL_),
      now: () => injectIntoHtml(html, URL_),
      tokenizer: () => new Tokenizer({ sourceCodeLocationInfo: false }, IGNORE_TOKENS).write(html, true),
    };
    if (variants.before() === variants.now() && html === NEWSLETTER_HTML) {
      throw new Error('the splice path was not taken for the newsletter fixture');
    }
    // Warm-up: JIT both paths before the first timed round.
    time(variants.before, Math.max(10, options.calls / 5));
    time(variants.now, Math.max(10, options.calls / 5));
    const walls = { before: [] as number[], now: [] as number[], tokenizer: [] as number[] };
    const cpu = { before: 0, now: 0, tokenizer: 0 };
    for (let round = 0; round < options.rounds; round++) {
      const order = ['before', 'now', 'tokenizer'] as const;
      for (const name of round % 2 === 0 ? order : [...order].reverse()) {
        const t = time(variants[name], options.calls);
        walls[name].push(t.wall);
        cpu[name] += t.cpu / options.rounds;
      }
    }
    return {
      body,
      bytes: Buffer.byteLength(html),
      spliced: injectBySplicing(html, URL_, UNSUBSCRIBE_LINK) !== undefined,
      beforeMs: spread(walls.before),
      nowMs: spread(walls.now),
      beforeCpuMs: cpu.before,
      nowCpuMs: cpu.now,
      tokenizerCpuMs: cpu.tokenizer,
    };
  });
}
