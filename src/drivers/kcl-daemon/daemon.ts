/**
 * Starting the KCL MultilangDaemon (Java) as a child process: `java -cp <jars>/*:<cwd>
 * software.amazon.kinesis.multilang.MultiLangDaemon --properties-file <file>`, the command
 * `kcl-bootstrap` prints and the image's entrypoint runs. The daemon then starts one
 * `executableName` (`riposte kcl`) per shard lease, in `cwd`, with the environment given here.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { checkDaemonClasspath } from './classpath';

export const MULTILANG_DAEMON_CLASS = 'software.amazon.kinesis.multilang.MultiLangDaemon';

export const JAVA_MISSING =
  'the KCL MultilangDaemon is a Java program, and `java` is not on the PATH. Install a Java runtime, ' +
  '11 or newer (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), ' +
  'or run the riposte-kcl image (docs/drivers.md). Without Java, `riposte start` runs the same detection ' +
  'with the built-in local driver.';

/** `java -version`'s first line ("openjdk version "17.0.15" ..."), or undefined when there is no Java. */
export function javaVersion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const result = spawnSync('java', ['-version'], { env, encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return undefined;
  return `${result.stderr}${result.stdout}`.split('\n')[0]?.trim();
}

export interface DaemonLaunch {
  /** The folder of the daemon's jars (ensureKclJars). */
  jarsDir: string;
  propertiesFile: string;
  /** Where `executableName` is run from: the repository or image root. */
  cwd: string;
  /** The daemon's environment, which every `riposte kcl` child inherits. */
  env: NodeJS.ProcessEnv;
  /** JVM options, e.g. ['-Xmx512m']. */
  javaOptions?: readonly string[];
  stdio?: StdioOptions;
  /**
   * A process group of its own, so that the daemon and the children it started can be signalled
   * together (`process.kill(-pid, ...)`), as an orchestrator stopping a container does.
   */
  detached?: boolean;
}

/** The command line, as `kcl-bootstrap` prints it. */
export function daemonCommand(o: Pick<DaemonLaunch, 'jarsDir' | 'propertiesFile' | 'cwd' | 'javaOptions'>): string[] {
  // `cwd` is on the class path as the daemon's own documentation has it: properties files and
  // logback.xml placed there are found as resources.
  return ['java', ...(o.javaOptions ?? []), '-cp', [join(o.jarsDir, '*'), o.cwd].join(delimiter), MULTILANG_DAEMON_CLASS, '--properties-file', o.propertiesFile];
}

/** Starts the daemon, once its jars are checked (checkDaemonClasspath: throws a KclSetupError). */
export function spawnDaemon(o: DaemonLaunch): ChildProcess {
  checkDaemonClasspath(o.jarsDir);
  const [command, ...args] = daemonCommand(o);
  return spawn(command as string, args, { cwd: o.cwd, env: o.env, stdio: o.stdio ?? ['ignore', 'pipe', 'pipe'], detached: o.detached ?? false });
}
