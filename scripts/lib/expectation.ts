/**
 * What an attack should make Riposte do, and the event that should make it: the response (detector,
 * action, target) and the threshold — the nth matching event, or the nth distinct value of a field —
 * counted in the order the ingest API accepted the attack's events, which is the order they enter
 * the stream. The delay of a detection is measured from the acceptance of that threshold event.
 */
import type { SimEvent } from './actors';

export interface Target {
  type: 'ip' | 'user';
  value: string;
}

export interface ExpectationSpec {
  detector: string;
  action: 'ban' | 'redirect';
  target: Target;
  threshold: number;
  matches: (event: SimEvent) => boolean;
  /** For a distinct count: the value counted. */
  distinct?: (event: SimEvent) => string;
  /** The threshold event, in words ("10th login failure"). */
  thresholdEvent: string;
}

export class Expectation {
  readonly #values = new Set<string>();
  #count = 0;
  /** When the ingest API accepted the threshold event (epoch ms). */
  thresholdAcceptedAt: number | undefined;
  /** When an agent saw the threshold event's request (its `ts`). */
  thresholdSeenAt: number | undefined;
  /** When the first agent received the response, and which one. */
  visibleAt: number | undefined;
  firstAgent: string | undefined;
  /** Each agent's first sight of the response. */
  readonly agentsSeen = new Map<string, number>();
  simulated = false;
  responseId: string | undefined;

  constructor(readonly spec: ExpectationSpec) {}

  /** Counts an accepted event; true when it is the threshold event. */
  accepted(event: SimEvent, at: number): boolean {
    if (this.thresholdAcceptedAt !== undefined || !this.spec.matches(event)) return false;
    if (this.spec.distinct === undefined) this.#count += 1;
    else this.#values.add(this.spec.distinct(event));
    const reached = (this.spec.distinct === undefined ? this.#count : this.#values.size) >= this.spec.threshold;
    if (!reached) return false;
    this.thresholdAcceptedAt = at;
    this.thresholdSeenAt = Date.parse(String(event.ts));
    return true;
  }

  /** How far towards the threshold the accepted events got. */
  get progress(): number {
    return this.spec.distinct === undefined ? this.#count : this.#values.size;
  }

  isFor(detector: string, target: Target): boolean {
    return this.spec.detector === detector && this.spec.target.type === target.type && this.spec.target.value === target.value;
  }

  /** Records an agent receiving the response; true the first time any agent does. */
  seen(agent: string, at: number, response: { id: string; simulated: boolean }): boolean {
    if (!this.agentsSeen.has(agent)) this.agentsSeen.set(agent, at);
    if (this.visibleAt !== undefined) return false;
    this.visibleAt = at;
    this.firstAgent = agent;
    this.simulated = response.simulated;
    this.responseId = response.id;
    return true;
  }

  /** Threshold event accepted → response visible to the first agent. */
  get delayMs(): number | undefined {
    return this.visibleAt === undefined || this.thresholdAcceptedAt === undefined ? undefined : this.visibleAt - this.thresholdAcceptedAt;
  }

  /** Threshold event accepted → response visible to every agent of the fleet. */
  allAgentsDelayMs(agents: number): number | undefined {
    if (this.agentsSeen.size < agents || this.thresholdAcceptedAt === undefined) return undefined;
    return Math.max(...this.agentsSeen.values()) - this.thresholdAcceptedAt;
  }
}
