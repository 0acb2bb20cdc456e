import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/**
 * What `npm test` and `npm start` need beyond node_modules, checked in a few
 * milliseconds before they run. A list, so that the engine change adds Java ≥ 17 here
 * (for: ['start', 'test']) without new code paths.
 */
export type Purpose = 'start' | 'test';

export interface Prerequisite {
  readonly id: string;
  /** What it is for, in the sentence shown: "Chromium (for the browser tests)". */
  readonly label: string;
  readonly for: readonly Purpose[];
  /** The executable looked for; an env var may point elsewhere. */
  readonly path: (env: NodeJS.ProcessEnv) => string;
  readonly envVar?: string;
  readonly apt: string;
  readonly brew: string;
}

export const PREREQUISITES: readonly Prerequisite[] = [
  {
    id: 'chromium',
    label: 'Chromium (for the browser tests)',
    for: ['test'],
    // test/support/browser.ts launches the same path.
    path: (env) => env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    envVar: 'CHROMIUM_PATH',
    apt: 'chromium',
    brew: 'brew install --cask chromium',
  },
];

/** What the machine looks like, gathered by `machineFacts()`; plain data so that the plan is a pure function. */
export interface MachineFacts {
  readonly platform: NodeJS.Platform;
  readonly present: ReadonlySet<string>;
  /** Root with apt-get on the PATH: the check may install what is missing. */
  readonly canApt: boolean;
}

export type Step =
  | { readonly kind: 'ok'; readonly id: string }
  | {
      readonly kind: 'install';
      readonly id: string;
      readonly packages: readonly string[];
      readonly message: string;
    }
  | { readonly kind: 'stop'; readonly id: string; readonly message: string };

/** Pure: for each prerequisite of `purpose`, nothing to do, an install to run and announce, or one sentence to stop with. */
export function planPrerequisites(
  purpose: Purpose,
  facts: MachineFacts,
  env: NodeJS.ProcessEnv,
  list: readonly Prerequisite[] = PREREQUISITES,
): Step[] {
  return list
    .filter((p) => p.for.includes(purpose))
    .map((p): Step => {
      if (facts.present.has(p.id)) return { kind: 'ok', id: p.id };
      const path = p.path(env);
      if (p.envVar !== undefined && env[p.envVar] !== undefined) {
        return {
          kind: 'stop',
          id: p.id,
          message: `${p.label} is not at ${path} (${p.envVar}): fix ${p.envVar} or unset it to use /usr/bin.`,
        };
      }
      if (facts.platform === 'linux' && facts.canApt) {
        return {
          kind: 'install',
          id: p.id,
          packages: [p.apt],
          message: `${p.label} was missing: installing it with apt-get install -y ${p.apt}.`,
        };
      }
      if (facts.platform === 'darwin') {
        return {
          kind: 'stop',
          id: p.id,
          message: `${p.label} is missing: run ${p.brew}${p.envVar ? ` and export ${p.envVar}=/Applications/Chromium.app/Contents/MacOS/Chromium` : ''}, then run the command again.`,
        };
      }
      return {
        kind: 'stop',
        id: p.id,
        message: `${p.label} is missing at ${path}: run sudo apt-get install -y ${p.apt} (Debian/Ubuntu)${p.envVar ? `, or set ${p.envVar} to its path` : ''}, then run the command again.`,
      };
    });
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function machineFacts(env: NodeJS.ProcessEnv = process.env, list = PREREQUISITES): MachineFacts {
  const root = process.getuid?.() === 0;
  const apt = root && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  return {
    platform: process.platform,
    present: new Set(list.filter((p) => executable(p.path(env))).map((p) => p.id)),
    canApt: apt,
  };
}

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

/** Checks, installs what root with apt-get can install (one line each), throws the first sentence to stop with. */
export function ensurePrerequisites(purpose: Purpose, log: (line: string) => void = console.error): void {
  const steps = planPrerequisites(purpose, machineFacts(), process.env);
  const stop = steps.find((s) => s.kind === 'stop');
  if (stop) throw new PrerequisiteError(stop.message);
  const installs = steps.filter((s) => s.kind === 'install');
  if (installs.length === 0) return;
  for (const s of installs) log(s.message);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...installs.flatMap((s) => s.packages)], {
    stdio: 'ignore',
    env,
  });
}
