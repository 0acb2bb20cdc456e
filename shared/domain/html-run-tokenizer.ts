import { type Token, Tokenizer, TokenizerMode } from 'parse5';

/*
 * parse5's tokenizer (the WHATWG one), reading runs of plain characters at once (R10, the splice
 * path of inject-unsubscribe.ts). The tokenizer reads its input a code point at a time, and in the
 * data, RCDATA, RAWTEXT and script data states, in quoted attribute values and in comments, every
 * character but a few is only appended to the token being built (WHATWG HTML §13.2.5.1–5, 36–37,
 * 45). A newsletter is mostly such runs: its inline styles alone are more than half its bytes.
 * After parse5 has read the first character of a run itself, this class moves its input position
 * to the last character of the run and extends the pending run to it, which is what parse5 does
 * one character at a time: the tokens, their text and their source locations are the same (the
 * property test in test/unit/html-run-tokenizer.test.ts compares them with the plain tokenizer's).
 * A run never holds a character that does anything else in that state, a CR or an LF (the
 * preprocessor normalises them and counts lines), a surrogate (it reads pairs), and in text it
 * never crosses from white space to other characters (parse5 emits them as separate tokens). It
 * only runs on input written whole (`write(html, true)`): the tokenizer never hibernates.
 */

/** The parse5 internals a run moves: input position, pending run; the states' own methods. */
interface Internals {
  preprocessor: { html: string; pos: number; lastChunkWritten: boolean };
  runEnd: number;
}
type StateMethod = (this: Tokenizer, cp: number) => void;

/** A table of the ASCII code units that end a run in a state (every non-ASCII unit but surrogates goes on). */
function stops(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of `${chars}\0\r\n`) table[c.charCodeAt(0)] = 1;
  return table;
}
const TEXT_STOPS = stops('<&');
const RAW_STOPS = stops('<');
const DOUBLE_QUOTED_STOPS = stops('"&');
const SINGLE_QUOTED_STOPS = stops("'&");
const COMMENT_STOPS = stops('-<');

/** White space as the tokenizer groups it in character tokens (LF and CR never enter a run). */
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0c;
const isSurrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;

/**
 * The end (exclusive) of the run that `html[from - 1]` (its first character, read by parse5)
 * opens: every unit after it that is not a stop of the state, not a surrogate and, in text (`space`
 * defined), of the same group (white space or not).
 */
function runEnd(html: string, from: number, table: Uint8Array, space: boolean | undefined): number {
  let end = from;
  while (end < html.length) {
    const c = html.charCodeAt(end);
    if (c < 128 ? table[c] === 1 : isSurrogate(c)) break;
    if (space !== undefined && isSpace(c) !== space) break;
    end++;
  }
  return end;
}

const base = Tokenizer.prototype as unknown as Record<string, StateMethod>;

/** The state methods this class reads runs in, with their stops; whether their runs are text. */
const STATES: readonly [name: string, table: Uint8Array, text: boolean][] = [
  ['_stateData', TEXT_STOPS, true],
  ['_stateRcdata', TEXT_STOPS, true],
  ['_stateRawtext', RAW_STOPS, true],
  ['_stateScriptData', RAW_STOPS, true],
  ['_stateAttributeValueDoubleQuoted', DOUBLE_QUOTED_STOPS, false],
  ['_stateAttributeValueSingleQuoted', SINGLE_QUOTED_STOPS, false],
  ['_stateComment', COMMENT_STOPS, false],
];

/**
 * parse5's tokenizer, its state methods wrapped below to read the rest of a run at once. The
 * first one built installs them and checks them on a sample (`readsRuns`), not the module's
 * import: a function that never parses HTML (an SMS send) does not pay for the check.
 */
export class RunTokenizer extends Tokenizer {
  constructor(...args: ConstructorParameters<typeof Tokenizer>) {
    if (runs === 'unchecked') readsRuns();
    super(...args);
  }
}

/** After parse5's own step for `cp` in a state, the rest of the run it opened, read at once. */
function readRun(tokenizer: RunTokenizer, cp: number, table: Uint8Array, text: boolean): void {
  // A stop, EOF (-1), a character outside the BMP, or LF (also a CR read as LF): parse5 alone.
  if (cp < 0 || cp > 0xffff || (cp < 128 ? table[cp] === 1 : isSurrogate(cp))) return;
  const self = tokenizer as unknown as Internals;
  const input = self.preprocessor;
  if (!input.lastChunkWritten) return;
  const end = runEnd(input.html, input.pos + 1, table, text ? isSpace(cp) : undefined);
  if (end === input.pos + 1) return;
  input.pos = end - 1;
  self.runEnd = end;
}

/** Whether this parse5 has the internals the runs move (checked once, below, on a sample). */
function installRuns(): boolean {
  const proto = RunTokenizer.prototype as unknown as Record<string, StateMethod>;
  for (const [name, table, text] of STATES) {
    const own = base[name];
    if (typeof own !== 'function') return false;
    proto[name] = function (this: Tokenizer, cp: number) {
      own.call(this, cp);
      readRun(this as RunTokenizer, cp, table, text);
    };
  }
  return true;
}

/** Start tags after which the tree builder switches the tokenizer to another state (WHATWG HTML §13.2.6.4.7). */
const TEXT_STATES: Record<string, number> = {
  title: TokenizerMode.RCDATA,
  textarea: TokenizerMode.RCDATA,
  style: TokenizerMode.RAWTEXT,
  xmp: TokenizerMode.RAWTEXT,
  iframe: TokenizerMode.RAWTEXT,
  noembed: TokenizerMode.RAWTEXT,
  noframes: TokenizerMode.RAWTEXT,
  script: TokenizerMode.SCRIPT_DATA,
  plaintext: TokenizerMode.PLAINTEXT,
};

/**
 * Every token of `html` as plain data, locations included, written in `chunks` pieces, the
 * tokenizer switched to the text states as the tree builder would: the check that runs change
 * nothing.
 */
export function tokenTrace(html: string, Kind: typeof Tokenizer, chunks = 1): string[] {
  const out: string[] = [];
  const record = (kind: string) => (token: Token.Token) => {
    out.push(`${kind} ${JSON.stringify(token)}`);
  };
  const tokenizer: Tokenizer = new Kind(
    { sourceCodeLocationInfo: true },
    {
      onStartTag: (token) => {
        record('start')(token);
        const state = TEXT_STATES[token.tagName];
        if (state !== undefined) tokenizer.state = state as Tokenizer['state'];
      },
      onEndTag: record('end'),
      onComment: record('comment'),
      onDoctype: record('doctype'),
      onCharacter: record('chars'),
      onNullCharacter: record('null'),
      onWhitespaceCharacter: record('space'),
      onEof: record('eof'),
    },
  );
  const size = Math.max(1, Math.ceil(html.length / chunks));
  let at = 0;
  for (; at + size < html.length; at += size) tokenizer.write(html.slice(at, at + size), false);
  tokenizer.write(html.slice(at), true);
  return out;
}

/** A sample with every kind of run and every stop, tokenized both ways before the first RunTokenizer. */
const SAMPLE =
  '<!DOCTYPE html><html><head><title>a &amp; b</title><style>p{x:"y"}</style></head>\r\n' +
  '<body><!-- c - d < e --><p class="a b&quot;" title=\'c d\'>Hello  world &eacute;\u00e9\ud83d\ude00 x\0y\n' +
  '\t <script>if (a < b) { c = "</p>"; }</script><textarea>t &lt; u</textarea></p></body></html>';

/**
 * If parse5 no longer has the internals moved here (another version), or reads the sample
 * differently with them, or fails on it, the runs are taken out and RunTokenizer is the plain
 * tokenizer: a failure here never stops a tokenizer from being built.
 */
function checked(): boolean {
  try {
    if (installRuns()) {
      const plain = tokenTrace(SAMPLE, Tokenizer);
      const runs = tokenTrace(SAMPLE, RunTokenizer);
      if (plain.length === runs.length && plain.every((t, i) => t === runs[i])) return true;
    }
  } catch {
    // Taken out below, as for a sample read differently.
  }
  // Also the states installed before one that this parse5 lacks.
  for (const [name] of STATES) delete (RunTokenizer.prototype as unknown as Record<string, unknown>)[name];
  return false;
}

/** `checking`: the sample is being read, by RunTokenizers built before the answer. */
let runs: 'unchecked' | 'checking' | boolean = 'unchecked';

/** Whether RunTokenizer reads runs (false: it is parse5's tokenizer as it is); checked once. */
export function readsRuns(): boolean {
  if (runs === 'unchecked') {
    runs = 'checking';
    runs = checked();
  }
  return runs === true;
}
