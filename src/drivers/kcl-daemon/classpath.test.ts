import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDaemonClasspath, compareVersions, KCL_PROTOBUF_JAVA } from './classpath';
import { spawnDaemon } from './daemon';
import { KclSetupError } from './jars';

/** A jars folder holding (empty) files of these names. */
function folder(...jars: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'riposte-classpath-'));
  for (const jar of ['amazon-kinesis-client-2.7.2.jar', ...jars]) writeFileSync(join(dir, jar), '');
  return dir;
}

describe('the check of the daemon’s jars before it starts', () => {
  it('needs the protobuf-java KCL 2.7.2 was built with', () => {
    expect(KCL_PROTOBUF_JAVA).toBe('4.31.1');
  });

  it.each([
    ['the version the KCL was built with', ['protobuf-java-4.31.1.jar']],
    ['a newer one', ['protobuf-java-4.32.1.jar']],
    ['a newer one, protobuf-java-util beside it', ['protobuf-java-5.0.0.jar', 'protobuf-java-util-3.25.5.jar']],
  ])('takes %s', (_, jars) => {
    expect(() => checkDaemonClasspath(folder(...jars))).not.toThrow();
  });

  it.each([
    ["aws-kcl's own, older", ['protobuf-java-4.27.5.jar'], /holds protobuf-java-4\.27\.5\.jar, older than the protobuf-java 4\.31\.1 .*aggregated record.*Delete that folder and run `npm run kcl:jars`/],
    ['a 3.x', ['protobuf-java-3.25.5.jar'], /older than the protobuf-java 4\.31\.1/],
    ['none', [], /holds no protobuf-java jar; the KCL needs protobuf-java 4\.31\.1 or newer.*npm run kcl:jars/],
    ['two, one of them new enough', ['protobuf-java-4.27.5.jar', 'protobuf-java-4.31.1.jar'], /holds 2 protobuf-java jars \(protobuf-java-4\.27\.5\.jar, protobuf-java-4\.31\.1\.jar\).*npm run kcl:jars/],
  ])('refuses %s, saying what to do', (_, jars, message) => {
    const dir = folder(...jars);
    expect(() => checkDaemonClasspath(dir)).toThrow(KclSetupError);
    expect(() => checkDaemonClasspath(dir)).toThrow(message);
    expect(() => checkDaemonClasspath(dir)).toThrow(dir);
  });

  it('refuses a folder that is not there, saying how to fill it', () => {
    expect(() => checkDaemonClasspath(join(tmpdir(), 'riposte-no-such-jars'))).toThrow(/cannot be read .*npm run kcl:jars/);
  });

  it('is made by spawnDaemon, before any Java is started', () => {
    const start = () => spawnDaemon({ jarsDir: folder('protobuf-java-4.27.5.jar'), propertiesFile: '/nonexistent/kcl.properties', cwd: tmpdir(), env: { PATH: '' } });
    expect(start).toThrow(KclSetupError);
    expect(start).toThrow(/protobuf-java-4\.27\.5\.jar, older/);
  });
});

describe('compareVersions', () => {
  it.each([
    ['4.27.5', '4.31.1', -1],
    ['4.31.1', '4.31.1', 0],
    ['4.31.10', '4.31.9', 1],
    ['4.31', '4.31.0', 0],
    ['3.25.5', '4.0.0', -1],
    ['4.32.0-RC1', '4.31.1', 1],
  ])('%s against %s gives %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});
