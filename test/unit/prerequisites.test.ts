import { describe, expect, it } from 'vitest';
import { type MachineFacts, type Prerequisite, planPrerequisites } from '../../cli/prerequisites';

const linux = (present: string[], canApt: boolean): MachineFacts => ({
  platform: 'linux',
  present: new Set(present),
  canApt,
});

describe('the prerequisite check (pretest, npm start)', () => {
  it('nothing to do when Chromium is there', () => {
    expect(planPrerequisites('test', linux(['chromium'], false), {})).toEqual([
      { kind: 'ok', id: 'chromium' },
    ]);
  });

  it('root with apt-get: installs Chromium and says so in one line', () => {
    expect(planPrerequisites('test', linux([], true), {})).toEqual([
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
    expect(planPrerequisites('test', linux([], false), {})).toEqual([
      {
        kind: 'stop',
        id: 'chromium',
        message:
          'Chromium (for the browser tests) is missing at /usr/bin/chromium: run sudo apt-get install -y chromium (Debian/Ubuntu), or set CHROMIUM_PATH to its path, then run the command again.',
      },
    ]);
  });

  it('macOS: stops with brew and the variable that points the tests at it', () => {
    const [step] = planPrerequisites('test', { platform: 'darwin', present: new Set(), canApt: false }, {});
    expect(step).toEqual({
      kind: 'stop',
      id: 'chromium',
      message:
        'Chromium (for the browser tests) is missing: run brew install --cask chromium and export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium, then run the command again.',
    });
  });

  it('CHROMIUM_PATH pointing nowhere is named, and never "fixed" by apt-get', () => {
    const [step] = planPrerequisites('test', linux([], true), { CHROMIUM_PATH: '/opt/chrome' });
    expect(step).toMatchObject({ kind: 'stop' });
    expect(step?.kind === 'stop' && step.message).toContain('is not at /opt/chrome (CHROMIUM_PATH)');
  });

  it('npm start needs no Chromium', () => {
    expect(planPrerequisites('start', linux([], false), {})).toEqual([]);
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
