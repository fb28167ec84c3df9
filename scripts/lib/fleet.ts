/**
 * A fleet of agents in front of one application. A load balancer spreads requests over the agents,
 * so each agent sees a slice of every actor's traffic; each buffers what it sees and posts it as a
 * batch every second or so (each agent at its own pace), a little out of order — as real agents do.
 * Events carry an id (`<agent>:<run>:<n>`), so a batch sent again after a failure is counted once,
 * and a second run (a restarted agent) is not mistaken for the first one's reports.
 */
import type { AgentApi } from './agent-api';
import type { Random } from './random';

export interface FleetOptions {
  /** How many agents. */
  agents: number;
  /** Agent ids are `<prefix>-1` … `<prefix>-n`. */
  prefix: string;
  /** Mean time an agent holds events before posting them. */
  flushMs: number;
  /** Events per POST at most (the API takes 500). */
  maxBatch?: number;
  log: (line: string) => void;
  /** A refusal that makes going on pointless (an invalid token). */
  onFatal: (message: string) => void;
}

export interface FleetStats {
  reported: number;
  accepted: number;
  rejected: number;
  batches: number;
  retries: number;
  /** Events lost: refused, or still failing after the retries. */
  lost: number;
}

interface Pending {
  event: Record<string, unknown>;
  onAccepted: ((at: number) => void) | undefined;
}

const RETRIES = 5;

class Agent {
  readonly host: string;
  #buffer: Pending[] = [];
  #count = 0;
  #closing = false;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;
  readonly #flushMs: number;

  constructor(
    readonly id: string,
    private readonly fleet: AgentFleet,
    private readonly api: AgentApi,
    private readonly random: Random,
    flushMs: number,
  ) {
    this.host = id.replace(/^.*-(\d+)$/, 'web-$1');
    this.#flushMs = random.jitter(flushMs, 0.5);
  }

  see(event: Record<string, unknown>, onAccepted: ((at: number) => void) | undefined): void {
    this.#count += 1;
    const id = `${this.id}:${this.fleet.runId}:${String(this.#count).padStart(7, '0')}`;
    this.#buffer.push({ event: { v: 1, id, ...event, agent: { id: this.id, host: this.host } }, onAccepted });
  }

  start(): void {
    this.#running = this.#run();
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#closing) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.random.jitter(this.#flushMs, 0.3));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await this.#flush();
    }
    await this.#flush();
  }

  async #flush(): Promise<void> {
    const max = this.fleet.maxBatch;
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, max);
      // Agents gather reports from many request threads: neighbours often swap places.
      for (let i = 0; i + 1 < batch.length; i++) {
        if (this.random.chance(0.3)) [batch[i], batch[i + 1]] = [batch[i + 1] as Pending, batch[i] as Pending];
      }
      await this.#post(batch);
    }
  }

  async #post(batch: Pending[]): Promise<void> {
    const stats = this.fleet.stats;
    const events = batch.map((p) => p.event);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.api.postEvents(events);
      if (outcome.kind === 'accepted') {
        stats.batches += 1;
        const rejected = new Set(outcome.rejected.map((r) => r.index));
        for (const r of outcome.rejected.slice(0, 3)) this.fleet.log(`${this.id}: event rejected: ${r.reason}`);
        batch.forEach((p, i) => {
          if (rejected.has(i)) return;
          stats.accepted += 1;
          p.onAccepted?.(outcome.at);
        });
        stats.rejected += rejected.size;
        stats.lost += rejected.size;
        return;
      }
      if (outcome.kind === 'refused') {
        stats.lost += batch.length;
        if (outcome.status === 401 || outcome.status === 403) this.fleet.fatal(`${this.id}: ${outcome.message}`);
        else this.fleet.log(`${this.id}: ${outcome.message}`);
        return;
      }
      if (attempt === RETRIES) {
        stats.lost += batch.length;
        this.fleet.log(`${this.id}: gave up on a batch of ${batch.length} after ${RETRIES} retries: ${outcome.message}`);
        return;
      }
      stats.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, this.random.jitter(200 * 2 ** attempt)));
    }
  }
}

export class AgentFleet {
  readonly agents: readonly Agent[];
  readonly stats: FleetStats = { reported: 0, accepted: 0, rejected: 0, batches: 0, retries: 0, lost: 0 };
  readonly maxBatch: number;
  /** Tells this run's reports from an earlier run's, as an agent's boot id would. */
  readonly runId = Date.now().toString(36);

  constructor(
    api: AgentApi,
    private readonly random: Random,
    private readonly options: FleetOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.agents = Array.from({ length: options.agents }, (_, i) => new Agent(`${options.prefix}-${i + 1}`, this, api, random, options.flushMs));
  }

  get agentIds(): string[] {
    return this.agents.map((a) => a.id);
  }

  start(): void {
    for (const agent of this.agents) agent.start();
  }

  /**
   * One agent, chosen by the load balancer, saw this request now. `onAccepted` is called with the
   * time the ingest API accepted it (202), unless it never is.
   */
  report(event: Record<string, unknown>, onAccepted?: (at: number) => void): void {
    this.stats.reported += 1;
    this.random.pick(this.agents).see({ ts: new Date().toISOString(), ...event }, onAccepted);
  }

  /** Posts what every agent still holds, and waits for it. */
  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.close()));
  }

  log(line: string): void {
    this.options.log(line);
  }

  fatal(message: string): void {
    this.options.onFatal(message);
  }
}
