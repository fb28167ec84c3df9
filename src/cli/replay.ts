/**
 * `riposte replay FILE|-`: runs a JSON-lines file of events through the detectors offline and prints
 * the responses — a table for people, or JSON lines (`--json`) for programs. Invalid lines are
 * reported on standard error with their line number and skipped.
 */
import { createReadStream } from 'node:fs';
import { Command, Option } from 'commander';
import { builtInDetectors } from '../../detectors';
import type { AppConfigSource } from '../core/app-config';
import { StaticAppConfigSource } from '../engine/app-settings';
import type { SecurityResponse } from '../core/response';
import { escapedText, safeJsonText } from '../core/untrusted-text';
import { PROCESSOR_DEFAULTS, ShardProcessor } from '../engine/processor';
import { replayLines } from '../engine/replay-lines';
import { MemoryResponseStore } from '../sinks/memory-store';
import { formatResponseTable } from './format';
import { byteLines } from './json-lines';
import { wholeNumber, type CliContext, type CliIo } from './context';
import { Progress } from './progress';

export interface ReplayOptions {
  json?: boolean;
  config?: string;
  /** A directory of playbooks to run besides the detectors; any invalid one stops the replay. */
  playbooks?: string;
  strict?: boolean;
  latenessSeconds?: number;
}


export interface ReplaySummary {
  lines: number;
  events: number;
  rejected: number;
  late: number;
  duplicates: number;
  responses: SecurityResponse[];
}

/** Where the detectors come from; playbooks add to it. */
export type ConfigFactory = (settingsPath: string | undefined) => AppConfigSource | Promise<AppConfigSource>;

// The YAML reader and the playbook compiler are loaded only when a replay asks for them.
export const builtInConfig: ConfigFactory = async (path) =>
  new StaticAppConfigSource(builtInDetectors, path === undefined ? {} : (await import('../config/settings-file')).loadSettingsFile(path, builtInDetectors));

export async function replay(file: string, options: ReplayOptions, io: CliIo, configFor: ConfigFactory = builtInConfig): Promise<ReplaySummary> {
  const detectors = await configFor(options.config);
  const config = options.playbooks === undefined ? detectors : await (await import('../playbooks/load')).withPlaybookDirectory(detectors, options.playbooks);
  const store = new MemoryResponseStore();
  const processor = new ShardProcessor({
    shardId: 'replay',
    config,
    // No history: a replay starts from nothing, and the ledger records what it issues as it goes.
    latenessSeconds: options.latenessSeconds ?? PROCESSOR_DEFAULTS.latenessSeconds,
  });
  const input = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  const lines = byteLines(input as AsyncIterable<Buffer | string>);
  const progress = new Progress(io.stderr);
  const responses: SecurityResponse[] = [];
  const lineCount = await replayLines(lines, processor, store, (outcome, linesRead) => {
    for (const letter of outcome.deadLetters) {
      progress.clear();
      io.stderr.write(`${file === '-' ? 'stdin' : file}:${letter.sequenceNumber}: ${escapedText(letter.reason)}\n`);
    }
    for (const r of outcome.responses) {
      responses.push(r);
      if (options.json === true) io.stdout.write(`${safeJsonText(JSON.stringify(r))}\n`);
    }
    progress.update(`${linesRead} lines, ${responses.length} responses`);
  });
  progress.clear();

  if (options.json !== true) io.stdout.write(formatResponseTable(responses));
  const s = processor.stats;
  const perDetector = [...s.responsesByDetector].map(([name, n]) => `${name} ${n}`).join(', ');
  io.stderr.write(
    `${s.records} events read: ${s.accepted} counted, ${s.rejected} rejected, ${s.late} late, ${s.duplicates} duplicates; ` +
      `${responses.length} responses${perDetector === '' ? '' : ` (${perDetector})`}\n`,
  );
  return { lines: lineCount, events: s.records, rejected: s.rejected, late: s.late, duplicates: s.duplicates, responses };
}

export function replayCommand(cli: CliContext, configFor?: ConfigFactory): Command {
  const io = cli.io;
  return new Command('replay')
    .description('Run a JSON-lines file of events through the detectors offline and print the responses.')
    .argument('<file>', 'events, one JSON object per line; - reads standard input')
    .option('--json', 'print each response as a JSON line (the agent API object) instead of a table')
    .option('--config <file>', 'per-application settings, YAML or JSON (detector overrides, allowlists)')
    .option('--playbooks <dir>', 'also run the playbooks of this directory (DIR/*.yaml for every application, DIR/<appId>/*.yaml for one)')
    .option('--strict', 'exit with status 1 when any line was rejected')
    .addOption(
      new Option('--lateness <seconds>', 'how far behind the newest event a report may be and still count')
        .default(PROCESSOR_DEFAULTS.latenessSeconds)
        .argParser(wholeNumber('--lateness')),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  riposte replay events.jsonl\n  riposte replay --json --config apps.yaml events.jsonl > responses.jsonl\n  riposte replay --playbooks playbooks/ events.jsonl\n  zcat events.jsonl.gz | riposte replay -',
    )
    .action(async (file: string, opts: { json?: boolean; config?: string; playbooks?: string; strict?: boolean; lateness: number }) => {
      const summary = await replay(file, { json: opts.json, config: opts.config, playbooks: opts.playbooks, strict: opts.strict, latenessSeconds: opts.lateness }, io, configFor);
      if (opts.strict === true && summary.rejected > 0) cli.exitCode = 1;
    });
}

