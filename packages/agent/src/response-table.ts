/**
 * The responses the agent enforces, indexed for the one question asked on every request: is this
 * client (or this user) under an active response? The answer is a Map lookup on the client's
 * canonical address, plus one lookup per prefix length in use when ranges are banned, so its cost
 * does not grow with the number of bans.
 *
 * Responses are applied by id (the API may send one twice; applying it again changes nothing). A
 * revoked response leaves the table at once; an expired one stops matching at its expiry, checked on
 * each lookup against the clock, and is swept out later. Simulated responses are kept beside the
 * others and matched only when nothing real matches, so the agent can count what they would have done.
 */
import { addressBytes, networkKey, parseIpTarget } from './ip';
import type { RiposteResponse } from './responses';

export interface Entry {
  response: RiposteResponse;
  expiresAtMs: number;
  simulated: boolean;
}

interface RangeGroup {
  family: 4 | 6;
  bits: number;
  networks: Map<string, Entry[]>;
}

/** Where an entry is indexed, to take it out again. */
interface Placement {
  entry: Entry;
  index: Map<string, Entry[]>;
  key: string;
  group?: string;
}

/** The first entry in force, a real one before a simulated one. */
function inForce(entries: readonly Entry[] | undefined, now: number): Entry | undefined {
  if (entries === undefined) return undefined;
  let simulated: Entry | undefined;
  for (const e of entries) {
    if (e.expiresAtMs <= now) continue;
    if (!e.simulated) return e;
    simulated ??= e;
  }
  return simulated;
}

export type ApplyOutcome = 'added' | 'removed' | 'unchanged' | 'unusable';

export class ResponseTable {
  readonly #byId = new Map<string, Placement>();
  readonly #addresses = new Map<string, Entry[]>();
  readonly #ranges = new Map<string, RangeGroup>();
  readonly #users = new Map<string, Entry[]>();

  /** Adds, updates or removes the response as its status says. `unusable`: an IP target that is neither an address nor a range. */
  apply(response: RiposteResponse, now: number): ApplyOutcome {
    const expiresAtMs = Date.parse(response.expiresAt);
    if (response.status !== 'active' || expiresAtMs <= now) return this.remove(response.id) ? 'removed' : 'unchanged';
    this.remove(response.id);
    const entry: Entry = { response, expiresAtMs, simulated: response.simulated };
    if (response.target.type === 'user') return this.#place(entry, this.#users, response.target.value);
    const target = parseIpTarget(response.target.value);
    if (target === undefined) return 'unusable';
    if (target.kind === 'address') return this.#place(entry, this.#addresses, target.key);
    let group = this.#ranges.get(target.group);
    if (group === undefined) {
      group = { family: target.family, bits: target.bits, networks: new Map() };
      this.#ranges.set(target.group, group);
    }
    return this.#place(entry, group.networks, target.key, target.group);
  }

  /** Takes the response out; false when it was not in the table. */
  remove(id: string): boolean {
    const placed = this.#byId.get(id);
    if (placed === undefined) return false;
    this.#byId.delete(id);
    const rest = (placed.index.get(placed.key) ?? []).filter((e) => e !== placed.entry);
    if (rest.length > 0) placed.index.set(placed.key, rest);
    else placed.index.delete(placed.key);
    if (placed.group !== undefined && placed.index.size === 0) this.#ranges.delete(placed.group);
    return true;
  }

  /** The whole set, from a fresh list of active responses: whatever is not in it goes. */
  replaceAll(responses: readonly RiposteResponse[], now: number): void {
    const keep = new Set(responses.map((r) => r.id));
    for (const id of [...this.#byId.keys()]) if (!keep.has(id)) this.remove(id);
    for (const r of responses) this.apply(r, now);
  }

  /** The response in force on this client address (canonical text), if any. */
  matchIp(ip: string, now: number): Entry | undefined {
    const exact = inForce(this.#addresses.get(ip), now);
    if ((exact !== undefined && !exact.simulated) || this.#ranges.size === 0) return exact;
    let found = exact;
    const { family, bytes } = addressBytes(ip);
    for (const group of this.#ranges.values()) {
      if (group.family !== family) continue;
      const entry = inForce(group.networks.get(networkKey(bytes, group.bits)), now);
      if (entry !== undefined && !entry.simulated) return entry;
      found ??= entry;
    }
    return found;
  }

  matchUser(user: string, now: number): Entry | undefined {
    return inForce(this.#users.get(user), now);
  }

  get hasIpTargets(): boolean {
    return this.#addresses.size > 0 || this.#ranges.size > 0;
  }

  get hasUserTargets(): boolean {
    return this.#users.size > 0;
  }

  /** Drops what has expired; returns how many. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [id, placed] of [...this.#byId]) {
      if (placed.entry.expiresAtMs <= now && this.remove(id)) dropped += 1;
    }
    return dropped;
  }

  counts(now: number): { addresses: number; ranges: number; users: number; simulated: number } {
    const counts = { addresses: 0, ranges: 0, users: 0, simulated: 0 };
    for (const { entry, group, index } of this.#byId.values()) {
      if (entry.expiresAtMs <= now) continue;
      if (entry.simulated) counts.simulated += 1;
      else if (index === this.#users) counts.users += 1;
      else if (group !== undefined) counts.ranges += 1;
      else counts.addresses += 1;
    }
    return counts;
  }

  #place(entry: Entry, index: Map<string, Entry[]>, key: string, group?: string): ApplyOutcome {
    const list = index.get(key);
    if (list === undefined) index.set(key, [entry]);
    else list.push(entry);
    this.#byId.set(entry.response.id, group === undefined ? { entry, index, key } : { entry, index, key, group });
    return 'added';
  }
}
