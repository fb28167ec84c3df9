/**
 * `riposte start` on its embedded default, in this process: when an emulator's thread stops on its
 * own, /healthz fails naming it, and the command stops the rest and answers exit code 1, saying
 * which part failed and where to look.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { untilSignalledOrFailed } from '../../src/cli/start';
import { loadEnv } from '../../src/config/env';
import { capturedStream } from '../../src/testing/captured-stream';
import { startRiposte } from '../../src/main/start';
import { createLogger } from '../../src/observability/logger';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-thread-failure-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('an emulator thread that stops fails /healthz, and riposte start stops and exits 1', async () => {
  const rawEnv: NodeJS.ProcessEnv = { RIPOSTE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
  const logger = createLogger({ level: 'silent', pretty: false });
  const running = await startRiposte({ env: loadEnv(rawEnv), rawEnv, logger, out: new PassThrough(), role: 'all' });
  try {
    const healthy = await fetch(`${running.url}/healthz`);
    expect(healthy.status).toBe(200);

    const kinesis = running.embedded?.threads.find((thread) => thread.name.includes('kinesalite'));
    expect(kinesis).toBeDefined();
    await kinesis?.worker.terminate(); // as a fatal error in the emulator would end it
    const failure = await running.failed;
    expect(failure.part).toBe('embedded Kinesis (kinesalite)');
    expect(String(failure.error)).toContain('thread stopped');

    const failing = await fetch(`${running.url}/healthz`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({ status: 'failing', failing: ['embedded Kinesis (kinesalite)'] });

    const stderr = capturedStream();
    expect(await untilSignalledOrFailed(running, logger, stderr.stream)).toBe(1);
    expect(stderr.text()).toMatch(/^riposte: the embedded Kinesis \(kinesalite\) failed: .*thread stopped.*; stopping\. Check the emulator's data folder under RIPOSTE_DATA_DIR .*\n$/);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow(); // stopped: nothing listens
  } finally {
    await running.stop();
  }
}, 60_000);
