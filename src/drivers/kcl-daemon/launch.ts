/**
 * Running the real MultilangDaemon on one machine, as `riposte daemon` and `riposte start --driver
 * kcl` do: Java checked for first (with how to get it), the jars fetched once, a properties file
 * derived from kcl.properties for the endpoints the AWS SDK is pointed at, the daemon started from
 * the installation's root (where `executableName`, `node bin/riposte.js kcl`, resolves), and stopped
 * with SIGTERM — which the KCL turns into `shutdownRequested` for every child (shutdownGraceMillis).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findUpwards } from '../../core/package-files';
import { daemonCommand, javaVersion, JAVA_MISSING, spawnDaemon } from './daemon';
import { ensureKclJars, KclSetupError } from './jars';
import { deriveProperties, propertiesFromEnv, propertyValue, type KclProperties } from './properties';

export interface LaunchOptions {
  /** The kcl.properties to derive from (the installation's by default). */
  properties?: string;
  /** The folder of the jars (default: .kcl/jars beside kcl.properties). */
  jarsDir?: string;
  /** Properties set on top of those derived from the environment. */
  set?: KclProperties;
  /** The daemon's environment, inherited by every child. */
  env: NodeJS.ProcessEnv;
  progress?: (line: string) => void;
  stdio?: StdioOptions;
}

export interface PreparedDaemon {
  root: string;
  jarsDir: string;
  propertiesFile: string;
  /** The derived properties' text. */
  properties: string;
  command: string[];
}

/** The installation's root: where kcl.properties and bin/riposte.js are. */
export function installationRoot(): string {
  const file = findUpwards('kcl.properties');
  if (file === undefined) throw new KclSetupError('kcl.properties was not found above this installation: run from a Riposte checkout or image');
  return dirname(file);
}

/** Checks Java, fetches the jars if need be, and writes the derived properties file. */
export async function prepareDaemon(o: LaunchOptions): Promise<PreparedDaemon> {
  if (javaVersion(o.env) === undefined) throw new KclSetupError(JAVA_MISSING);
  const root = installationRoot();
  const jarsDir = o.jarsDir ?? join(root, '.kcl', 'jars');
  await ensureKclJars({ dir: jarsDir, progress: o.progress, env: o.env });
  const base = readFileSync(o.properties ?? join(root, 'kcl.properties'), 'utf8');
  const properties = deriveProperties(base, { ...propertiesFromEnv(o.env), ...o.set });
  const propertiesFile = join(mkdtempSync(join(tmpdir(), 'riposte-kcl-')), 'kcl.properties');
  writeFileSync(propertiesFile, properties);
  return { root, jarsDir, propertiesFile, properties, command: daemonCommand({ jarsDir, propertiesFile, cwd: root }) };
}

export interface RunningDaemon {
  prepared: PreparedDaemon;
  process: ChildProcess;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | string>;
  /**
   * SIGTERM, and waits for the exit: the KCL asks each child for a last checkpoint and leaves its
   * leases (up to shutdownGraceMillis). SIGKILL if it is still running after `graceMs`.
   */
  stop(graceMs?: number): Promise<number | string>;
}

export async function launchDaemon(o: LaunchOptions): Promise<RunningDaemon> {
  const prepared = await prepareDaemon(o);
  const child = spawnDaemon({ jarsDir: prepared.jarsDir, propertiesFile: prepared.propertiesFile, cwd: prepared.root, env: o.env, stdio: o.stdio });
  const exited = new Promise<number | string>((resolve, reject) => {
    child.once('error', (error) => reject(new KclSetupError(`could not start the daemon (${prepared.command.join(' ')}): ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => resolve(code ?? (signal as string)));
  });
  const grace = Number(propertyValue(prepared.properties, 'shutdownGraceMillis') ?? 0);
  return {
    prepared,
    process: child,
    exited,
    async stop(graceMs = grace + 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
  };
}
