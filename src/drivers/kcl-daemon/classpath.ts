/**
 * The check made before the daemon starts: its jars folder holds one protobuf-java, not older than
 * the one KCL 2.7.2 was built with. An older one does not fail at start: the KCL fails on the first
 * aggregated record (its generated KPL messages refuse an older protobuf runtime at class load), skips
 * it and shuts down — so the ingest API's events (all aggregated) are never read, and the only trace
 * is a stack trace in the daemon's log. A folder filled before the override (docs/drivers.md) or by
 * hand from aws-kcl's pom alone is refused here instead, saying how to mend it.
 */
import { readdirSync } from 'node:fs';
import { KCL_OVERRIDES, KclSetupError } from './jars';

/** The protobuf-java the KCL's generated KPL messages need at least. */
export const KCL_PROTOBUF_JAVA = KCL_OVERRIDES['com.google.protobuf:protobuf-java'] as string;

/** protobuf-java-4.31.1.jar, protobuf-java-4.32.0-RC1.jar; not protobuf-java-util-*.jar. */
const PROTOBUF_JAR = /^protobuf-java-(\d+(?:\.\d+)*)(?:-[\w.]+)?\.jar$/;

/**
 * Compares the numeric parts of two versions ("4.27.5" < "4.31.1" < "4.31.10"); a qualifier is
 * ignored. Hand-written: Maven's whole ordering (qualifiers, aliases) is more than protobuf's plain
 * release numbers need, and no dependency of Riposte provides it.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (/^\d+(?:\.\d+)*/.exec(v)?.[0] ?? '0').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

const MEND = 'Delete that folder and run `npm run kcl:jars` (`riposte daemon --fetch-only`), which fetches the jars with the versions the KCL needs; for the riposte-kcl image, rebuild it (docs/drivers.md).';

/** Throws a KclSetupError saying what is wrong and how to mend it when `jarsDir` cannot run the KCL. */
export function checkDaemonClasspath(jarsDir: string, required: string = KCL_PROTOBUF_JAVA): void {
  let files: string[];
  try {
    files = readdirSync(jarsDir);
  } catch (error) {
    throw new KclSetupError(`the KCL daemon's jars folder ${jarsDir} cannot be read (${(error as Error).message}). Run \`npm run kcl:jars\` to fetch the jars there, or point --jars (RIPOSTE_KCL_JARS) at a folder that holds them.`, { cause: error });
  }
  const protobuf = files.flatMap((file) => {
    const version = PROTOBUF_JAR.exec(file)?.[1];
    return version === undefined ? [] : [{ file, version }];
  });
  if (protobuf.length === 0) {
    throw new KclSetupError(`the KCL daemon's jars folder ${jarsDir} holds no protobuf-java jar; the KCL needs protobuf-java ${required} or newer to read aggregated records. ${MEND}`);
  }
  if (protobuf.length > 1) {
    throw new KclSetupError(`the KCL daemon's jars folder ${jarsDir} holds ${protobuf.length} protobuf-java jars (${protobuf.map((p) => p.file).join(', ')}); the JVM would load whichever comes first. ${MEND}`);
  }
  const [{ file, version }] = protobuf as [{ file: string; version: string }];
  if (compareVersions(version, required) < 0) {
    throw new KclSetupError(
      `the KCL daemon's jars folder ${jarsDir} holds ${file}, older than the protobuf-java ${required} KCL 2.7.2 was built with: the daemon would fail on the first aggregated record (every record the ingest API writes) and shut down. ${MEND}`,
    );
  }
}
