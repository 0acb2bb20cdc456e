import { describe, expect, it } from 'vitest';
import {
  javaMajorVersion,
  type MachineFacts,
  PREREQUISITES,
  type Prerequisite,
  planPrerequisites,
} from '../../cli/prerequisites';

const linux = (present: string[], canApt: boolean): MachineFacts => ({
  platform: 'linux',
  present: new Set(present),
  canApt,
});

// The Chromium cases on their own; Java (for both commands) has its own cases below.
const chromiumOnly = PREREQUISITES.filter((p) => p.id === 'chromium');

describe('the prerequisite check (pretest, npm start)', () => {
  it('nothing to do when Chromium is there', () => {
    expect(planPrerequisites('test', linux(['chromium'], false), {}, chromiumOnly)).toEqual([
      { kind: 'ok', id: 'chromium' },
    ]);
  });

  it('root with apt-get: installs Chromium and says so in one line', () => {
    expect(planPrerequisites('test', linux([], true), {}, chromiumOnly)).toEqual([
      {
        kind: 'install',
        id: 'chromium',
        packages: ['chromium'],
        message:
          'Chromium (for the browser tests) was missing: installing it with apt-get install -y chromium.',
      },
    ]);
  });

  it('Linux without root: stops with the command to run', () => {
    expect(planPrerequisites('test', linux([], false), {}, chromiumOnly)).toEqual([
      {
        kind: 'stop',
        id: 'chromium',
        message:
          'Chromium (for the browser tests) is missing at /usr/bin/chromium: run sudo apt-get install -y chromium (Debian/Ubuntu), or set CHROMIUM_PATH to its path, then run the command again.',
      },
    ]);
  });

  it('macOS: stops with brew and the variable that points the tests at it', () => {
    const [step] = planPrerequisites(
      'test',
      { platform: 'darwin', present: new Set(), canApt: false },
      {},
      chromiumOnly,
    );
    expect(step).toEqual({
      kind: 'stop',
      id: 'chromium',
      message:
        'Chromium (for the browser tests) is missing: run brew install --cask chromium and export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium, then run the command again.',
    });
  });

  it('CHROMIUM_PATH pointing nowhere is named, and never "fixed" by apt-get', () => {
    const [step] = planPrerequisites('test', linux([], true), { CHROMIUM_PATH: '/opt/chrome' }, chromiumOnly);
    expect(step).toMatchObject({ kind: 'stop' });
    expect(step?.kind === 'stop' && step.message).toContain('is not at /opt/chrome (CHROMIUM_PATH)');
  });

  it('npm start needs no Chromium, but Java', () => {
    expect(planPrerequisites('start', linux(['java'], false), {})).toEqual([{ kind: 'ok', id: 'java' }]);
  });

  it('npm test needs all four: root with apt-get installs Chromium, Java, the AWS CLI and swaks', () => {
    expect(planPrerequisites('test', linux([], true), {}).map((s) => [s.kind, s.id])).toEqual([
      ['install', 'chromium'],
      ['install', 'java'],
      ['install', 'aws'],
      ['install', 'swaks'],
    ]);
  });

  it('the AWS CLI missing without root: names the Debian package; npm start does not need it', () => {
    const steps = planPrerequisites('test', linux(['chromium', 'java', 'swaks'], false), {});
    expect(steps.at(-2)).toEqual({
      kind: 'stop',
      id: 'aws',
      message:
        'The AWS CLI (for the docs test: the migration page runs it) is missing on the PATH: run sudo apt-get install -y awscli (Debian/Ubuntu), then run the command again.',
    });
    expect(planPrerequisites('start', linux(['java'], false), {}).map((s) => s.id)).toEqual(['java']);
  });

  it('npm start does not need swaks (only the SMTP tests run it)', () => {
    expect(planPrerequisites('start', linux([], true), {}).map((s) => s.id)).not.toContain('swaks');
  });

  it('Java missing, root with apt-get: installs openjdk-17-jre-headless and says so', () => {
    expect(planPrerequisites('start', linux([], true), {})).toEqual([
      {
        kind: 'install',
        id: 'java',
        packages: ['openjdk-17-jre-headless'],
        message:
          'Java 17 or newer (for DynamoDB Local, the local database) was missing: installing it with apt-get install -y openjdk-17-jre-headless.',
      },
    ]);
  });

  it('Java missing without root: names the command, and says it was looked for on the PATH', () => {
    expect(planPrerequisites('start', linux([], false), {})).toEqual([
      {
        kind: 'stop',
        id: 'java',
        message:
          'Java 17 or newer (for DynamoDB Local, the local database) is missing on the PATH: run sudo apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu), or set JAVA_HOME to its path, then run the command again.',
      },
    ]);
  });

  it('Java on macOS: brew and the JAVA_HOME of its keg', () => {
    const [step] = planPrerequisites('start', { platform: 'darwin', present: new Set(), canApt: false }, {});
    expect(step).toEqual({
      kind: 'stop',
      id: 'java',
      message:
        'Java 17 or newer (for DynamoDB Local, the local database) is missing: run brew install openjdk@17 and export JAVA_HOME="$(brew --prefix openjdk@17)/libexec/openjdk.jdk/Contents/Home", then run the command again.',
    });
  });

  it('JAVA_HOME pointing at no Java 17 is named, and never "fixed" by apt-get', () => {
    const [step] = planPrerequisites('start', linux([], true), { JAVA_HOME: '/opt/jdk-11' });
    expect(step).toMatchObject({ kind: 'stop' });
    expect(step?.kind === 'stop' && step.message).toContain('is not at /opt/jdk-11/bin/java (JAVA_HOME)');
  });

  it("reads the major version of java -version's output, old and new numbering", () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorVersion('java version "1.8.0_402"')).toBe(8);
    expect(javaMajorVersion('openjdk version "11.0.22" 2024-01-16')).toBe(11);
    expect(javaMajorVersion('bash: java: command not found')).toBeUndefined();
  });

  it('a list: a prerequisite for start and test (Java, after the engine change) is planned for both', () => {
    const java: Prerequisite = {
      id: 'java',
      label: 'Java ≥ 17 (for the local DynamoDB)',
      for: ['start', 'test'],
      path: () => '/usr/bin/java',
      apt: 'openjdk-17-jre-headless',
      brew: 'brew install openjdk@17',
    };
    expect(planPrerequisites('start', linux([], true), {}, [java])).toEqual([
      {
        kind: 'install',
        id: 'java',
        packages: ['openjdk-17-jre-headless'],
        message:
          'Java ≥ 17 (for the local DynamoDB) was missing: installing it with apt-get install -y openjdk-17-jre-headless.',
      },
    ]);
    expect(planPrerequisites('test', linux(['java'], true), {}, [java])).toEqual([
      { kind: 'ok', id: 'java' },
    ]);
  });
});
