import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/**
 * What `npm test` and `npm start` need beyond node_modules, checked before they run (a
 * fraction of a second: `java -version`): Chromium for the browser tests, Java ≥ 17 for
 * DynamoDB Local (the local engine of both), the AWS CLI for the docs test (docs/migration.md
 * runs `aws sesv2` and `aws ses` against the local gateway), swaks for the SMTP relay's tests.
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
  /** On macOS, what envVar must be set to after the brew install (shell syntax). */
  readonly brewExport?: string;
  /** Whether it is there and good enough; default: `path` is an executable file. */
  readonly probe?: (env: NodeJS.ProcessEnv) => boolean;
}

/** The major version in `java -version`'s first line: "17.0.15" → 17, "1.8.0_402" → 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** DynamoDB Local 3.x needs Java 17 or newer. */
export const JAVA_MIN_VERSION = 17;

function javaPath(env: NodeJS.ProcessEnv): string {
  // infra/local/dynamodb-local.ts runs the same one.
  return env.JAVA_HOME ? `${env.JAVA_HOME}/bin/java` : 'java';
}

function javaIsRecentEnough(env: NodeJS.ProcessEnv): boolean {
  const run = spawnSync(javaPath(env), ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (run.error || run.status !== 0) return false;
  const major = javaMajorVersion(`${run.stderr}${run.stdout}`);
  return major !== undefined && major >= JAVA_MIN_VERSION;
}

/** Runs: a broken install (a pyenv shim with no interpreter behind it) counts as missing. */
function awsCliRuns(): boolean {
  const run = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return !run.error && run.status === 0;
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
    brewExport: '/Applications/Chromium.app/Contents/MacOS/Chromium',
  },
  {
    id: 'java',
    label: `Java ${JAVA_MIN_VERSION} or newer (for DynamoDB Local, the local database)`,
    for: ['start', 'test'],
    path: javaPath,
    envVar: 'JAVA_HOME',
    apt: 'openjdk-17-jre-headless',
    brew: 'brew install openjdk@17',
    brewExport: '"$(brew --prefix openjdk@17)/libexec/openjdk.jdk/Contents/Home"',
    probe: javaIsRecentEnough,
  },
  {
    id: 'aws',
    label: 'The AWS CLI (for the docs test: the migration page runs it)',
    for: ['test'],
    path: () => 'aws',
    apt: 'awscli',
    brew: 'brew install awscli',
    probe: awsCliRuns,
  },
  {
    id: 'swaks',
    label: 'swaks (for the SMTP relay tests and docs/senders.md)',
    for: ['test'],
    // test/integration/smtp-relay.test.ts and the docs' swaks block run it from the PATH.
    path: () => '/usr/bin/swaks',
    apt: 'swaks',
    brew: 'brew install swaks',
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
      // A command name is looked up on the PATH; a path is where it must be.
      const where = path.includes('/') ? `at ${path}` : 'on the PATH';
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
          message: `${p.label} is missing: run ${p.brew}${p.envVar && p.brewExport ? ` and export ${p.envVar}=${p.brewExport}` : ''}, then run the command again.`,
        };
      }
      return {
        kind: 'stop',
        id: p.id,
        message: `${p.label} is missing ${where}: run sudo apt-get install -y ${p.apt} (Debian/Ubuntu)${p.envVar ? `, or set ${p.envVar} to its path` : ''}, then run the command again.`,
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
    present: new Set(list.filter((p) => (p.probe ? p.probe(env) : executable(p.path(env)))).map((p) => p.id)),
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
