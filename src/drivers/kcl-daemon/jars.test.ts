import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { REPO_ROOT } from '../../../scripts/lib/repo-root';
import { compareVersions } from './classpath';
import { coordinates, DOCKER_JARS_POM, ensureKclJars, installedJars, jarName, jarsPom, kclArtifacts, kclPomPath, KCL_OVERRIDES, KclSetupError, PINNED_JARS, pomDependencies } from './jars';

describe("aws-kcl's pom", () => {
  const wanted = pomDependencies(readFileSync(kclPomPath(), 'utf8'));

  it('lists the 79 jars of KCL 2.7.2, versions resolved from its properties', () => {
    expect(wanted).toHaveLength(79);
    expect(wanted.map(coordinates)).toContain('software.amazon.kinesis:amazon-kinesis-client-multilang:2.7.2');
    expect(wanted.map(coordinates)).toContain('software.amazon.awssdk:kinesis:2.33.0');
    expect(wanted.every((a) => !a.version.includes('$'))).toBe(true);
  });

  it('pins only jars it lists (a pin for a jar it no longer lists would be dead)', () => {
    const listed = new Set(wanted.map(coordinates));
    for (const pinned of Object.keys(PINNED_JARS)) expect(listed.has(pinned)).toBe(true);
  });

  it("is overridden only where KCL 2.7.2's own pom wants newer (an override aws-kcl has caught up with would be dead)", () => {
    for (const [key, version] of Object.entries(KCL_OVERRIDES)) {
      const listed = wanted.find((a) => `${a.groupId}:${a.artifactId}` === key);
      expect({ key, listed: listed?.version, newer: listed !== undefined && compareVersions(version, listed.version) > 0 }).toEqual({ key, listed: expect.any(String), newer: true });
    }
  });
});

describe("the daemon's jars", () => {
  const pom = readFileSync(kclPomPath(), 'utf8');
  const jars = kclArtifacts(pom).map(coordinates);

  it("are aws-kcl's 79 with protobuf-java and schema-registry-serde at the KCL's versions", () => {
    expect(jars).toHaveLength(79);
    expect(jars).toContain('com.google.protobuf:protobuf-java:4.31.1');
    expect(jars).toContain('software.amazon.glue:schema-registry-serde:1.1.24');
    expect(jars.filter((c) => c.includes(':protobuf-java:') || c.includes(':schema-registry-serde:'))).toHaveLength(2);
  });

  it(`are what the Dockerfile fetches (${DOCKER_JARS_POM}; \`npm run kcl:pom\` writes it)`, () => {
    expect(readFileSync(join(REPO_ROOT, DOCKER_JARS_POM), 'utf8')).toBe(jarsPom(kclArtifacts(pom)));
  });
});

describe('the jars folder', () => {
  const emptyPath = () => mkdtempSync(join(tmpdir(), 'riposte-no-tools-'));

  it('is not taken for complete without its stamp, nor when a jar is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'riposte-jars-'));
    expect(installedJars(dir)).toBeUndefined();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.riposte-kcl-jars.json'), JSON.stringify({ pomSha256: 'another pom', jars: [] }));
    expect(installedJars(dir)).toBeUndefined();
  });

  /** A folder that looks complete for `list`: its stamp, and an (empty) file per jar. */
  function stampedFolder(list: readonly string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'riposte-jars-'));
    for (const jar of list) writeFileSync(join(dir, jar), '');
    const pomSha256 = createHash('sha256').update(readFileSync(kclPomPath())).digest('hex');
    writeFileSync(join(dir, '.riposte-kcl-jars.json'), JSON.stringify({ pomSha256, jars: list }));
    return dir;
  }

  it("is fetched again when it was filled from aws-kcl's list alone (protobuf-java 4.27.5), and taken when filled with the overrides", () => {
    const pom = readFileSync(kclPomPath(), 'utf8');
    expect(installedJars(stampedFolder(pomDependencies(pom).map(jarName)))).toBeUndefined();
    expect(installedJars(stampedFolder(kclArtifacts(pom).map(jarName)))).toHaveLength(79);
  });

  it('without Maven, says so and how to get it', async () => {
    const fetching = ensureKclJars({ dir: join(mkdtempSync(join(tmpdir(), 'riposte-jars-')), 'jars'), env: { PATH: emptyPath() } });
    await expect(fetching).rejects.toThrow(KclSetupError);
    await expect(fetching).rejects.toThrow(/needs Maven \(`mvn`\).*apt-get install maven/);
  });
});
