import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { firstValueFrom, Subject, timer } from 'rxjs';
import { abortOf, coalesced, poll, unrefScheduler } from './rx';

describe('abortOf', () => {
  it('emits when the signal aborts', async () => {
    const controller = new AbortController();
    const aborted = firstValueFrom(abortOf(controller.signal));
    controller.abort();
    await expect(aborted).resolves.toBeUndefined();
  });

  it('emits at once for a signal that has aborted already (its event will never come)', async () => {
    await expect(firstValueFrom(abortOf(AbortSignal.abort()))).resolves.toBeUndefined();
  });
});

describe('unrefScheduler', () => {
  it('runs what rxjs schedules on it, in order of time', async () => {
    const fired: number[] = [];
    await Promise.all([20, 5].map((ms) => firstValueFrom(timer(ms, unrefScheduler)).then(() => fired.push(ms))));
    expect(fired).toEqual([5, 20]);
  });

  it('does not keep the process alive: a process with only its timer pending exits', () => {
    const child = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', `require('rxjs').interval(60000, require('./src/shared/rx').unrefScheduler).subscribe()`], {
      cwd: join(__dirname, '../..'),
      timeout: 20_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
  });
});

describe('poll', () => {
  it('skips ticks while a run is going, and goes on after a run that failed', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const errors: unknown[] = [];
    let finished!: () => void;
    const fiveRuns = new Promise<void>((resolve) => (finished = resolve));
    const subscription = poll(
      1,
      async () => {
        overlapped ||= running > 0;
        running++;
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        if (runs === 5) finished();
        if (runs === 2) throw new Error('store unavailable');
      },
      (error) => errors.push(error),
    );
    await fiveRuns;
    subscription.unsubscribe();
    expect(overlapped).toBe(false);
    expect(errors).toEqual([new Error('store unavailable')]);
  });
});

describe('coalesced', () => {
  it('runs one at a time; what is asked during a run is one more run after it, however often it was asked', async () => {
    const requests = new Subject<void>();
    let runs = 0;
    let running = false;
    let overlapped = false;
    const ended: Array<() => void> = [];
    const subscription = coalesced(
      requests,
      () => {
        overlapped ||= running;
        running = true;
        runs++;
        return new Promise<void>((resolve) => ended.push(() => ((running = false), resolve())));
      },
      () => undefined,
    ).subscribe();
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    requests.next();
    for (let i = 0; i < 5; i++) requests.next();
    expect(runs).toBe(1);
    ended.shift()?.();
    await settle();
    expect(runs).toBe(2);
    ended.shift()?.();
    await settle();
    expect(runs).toBe(2);
    requests.next();
    expect(runs).toBe(3);
    ended.shift()?.();
    subscription.unsubscribe();
    expect(overlapped).toBe(false);
  });

  it('a run that fails is reported, and the next request runs again', async () => {
    const requests = new Subject<void>();
    const errors: unknown[] = [];
    let runs = 0;
    const listShards = async (): Promise<void> => {
      if (runs++ === 0) throw new Error('ListShards failed');
    };
    const subscription = coalesced(requests, listShards, (error) => errors.push(error)).subscribe();
    requests.next();
    await new Promise((resolve) => setImmediate(resolve));
    requests.next();
    await new Promise((resolve) => setImmediate(resolve));
    subscription.unsubscribe();
    expect(errors).toEqual([new Error('ListShards failed')]);
    expect(runs).toBe(2);
  });
});
