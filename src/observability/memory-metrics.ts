/**
 * Where the process's memory is, per thread: the main thread's V8 heap, each embedded emulator's
 * (kinesalite, dynalite: worker threads of the same process, src/shared/service-thread.ts), and the
 * process's resident set. RSS less the heaps and their external memory is native memory (LevelDB's
 * caches and tables, the allocator's free pages), which no heap snapshot shows. A long flood's RSS
 * growth is placed with these before anyone reaches for a heap snapshot (README, "flood").
 */
import { Gauge, type Registry } from 'prom-client';
import type { ServiceThread, ThreadMemory } from '../shared/service-thread';

const KINDS = ['heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const satisfies readonly (keyof ThreadMemory)[];

export function registerMemoryMetrics(registry: Registry, threads: () => readonly ServiceThread[]): void {
  new Gauge({
    name: 'riposte_memory_bytes',
    help: 'Memory by thread (main, or an embedded emulator) and kind (heapUsed, heapTotal, external, arrayBuffers; rss for the whole process)',
    labelNames: ['thread', 'kind'] as const,
    registers: [registry],
    // Asynchronous: an emulator's thread answers with its heap by message.
    async collect() {
      this.reset();
      const main = process.memoryUsage();
      this.set({ thread: 'process', kind: 'rss' }, main.rss);
      for (const kind of KINDS) this.set({ thread: 'main', kind }, main[kind]);
      const answers = await Promise.all(threads().map(async (thread) => ({ thread, memory: await thread.memory() })));
      for (const { thread, memory } of answers) {
        if (memory === undefined) continue;
        for (const kind of KINDS) this.set({ thread: thread.name, kind }, memory[kind]);
      }
    },
  });
}
