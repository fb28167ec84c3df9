/**
 * One application under simulated load: a fleet of agents posting benign traffic and the chosen
 * attacks, every agent long-polling the application's responses. Each expected response is timed
 * from the acceptance of its threshold event to the first agent (and every agent) receiving it; a
 * response on a benign actor is recorded as a false positive, loudly.
 */
import { AgentApi, type AgentResponse } from './agent-api';
import { AddressBook, benignUserCount, benignUsers, playBenignTraffic, type SimEvent } from './actors';
import { planAttack, type AttackName, type AttackPlan } from './attacks';
import { Expectation, type Target } from './expectation';
import { AgentFleet } from './fleet';
import { Random } from './random';
import { ResponseWatcher, type SeenResponse } from './response-watcher';

export interface SimulationOptions {
  url: string;
  token: string;
  /** Names this application in progress lines when several run at once ('' for one). */
  label: string;
  seed: number;
  durationSeconds: number;
  /** Benign events per second. */
  rate: number;
  agents: number;
  flushMs: number;
  attacks: readonly AttackName[];
  /** How long after its threshold event an expected response may take. */
  timeoutSeconds: number;
  /** Default: enough for each to act every two seconds or so (benignUserCount). */
  benignUsers?: number;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

export type ExpectationStatus = 'detected' | 'late' | 'missed' | 'threshold-not-reached';

export interface ExpectationResult {
  detector: string;
  action: string;
  target: Target;
  thresholdEvent: string;
  status: ExpectationStatus;
  /** Threshold event accepted (202) → response visible to the first agent. */
  delayMs: number | null;
  /** Threshold event seen by an agent (its event time) → response visible to the first agent. */
  sinceRequestMs: number | null;
  /** Threshold event accepted → response visible to every agent (null if some never saw it). */
  allAgentsDelayMs: number | null;
  /** The response arrived before the simulator had the threshold event accepted (the server counted other events). */
  beforeThreshold: boolean;
  simulated: boolean;
  /** How far towards the threshold the accepted events went. */
  progress: number;
  threshold: number;
}

export interface AttackResult {
  app: string;
  attack: AttackName;
  summary: string;
  detected: boolean;
  expectations: ExpectationResult[];
}

export interface FalsePositive {
  app: string;
  target: Target;
  actor: string;
  detector: string;
  action: string;
  reason: string;
  simulated: boolean;
  id: string;
}

export interface SimulationResult {
  app: string;
  attacks: AttackResult[];
  falsePositives: FalsePositive[];
  /** Responses on targets this run did not play (other traffic of the application). */
  otherResponses: number;
  /** Responses on attackers that no expectation named. */
  extraResponses: { target: Target; detector: string }[];
  benign: { users: number; addresses: number; events: number };
  fleet: AgentFleet['stats'] & { agents: number };
  fatal: string | null;
}

export async function simulate(o: SimulationOptions): Promise<SimulationResult> {
  const started = Date.now();
  const prefix = o.label === '' ? '' : `${o.label} `;
  const log = (line: string) => o.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${prefix}${line}`);
  // Separate streams: what is played depends on the seed only, not on how timers interleave.
  const actors = new Random(o.seed);
  const traffic = new Random(o.seed ^ 0x5bd1e995);
  let fatal: string | null = null;
  const api = new AgentApi(o.url, o.token);
  const fleet = new AgentFleet(api, new Random(o.seed + 1), {
    agents: o.agents,
    prefix: 'sim-agent',
    flushMs: o.flushMs,
    log,
    onFatal: (message) => {
      fatal ??= message;
      log(`FATAL: ${message}`);
    },
  });

  const plans: AttackPlan[] = [];
  const expectations: { plan: AttackPlan; expectation: Expectation }[] = [];
  const benign = { ips: new Map<string, string[]>(), users: new Set<string>() };
  const attackerIps = new Set<string>();
  const attackerUsers = new Set<string>();
  const falsePositives: FalsePositive[] = [];
  const extra = new Map<string, { target: Target; detector: string }>();
  const others = new Set<string>();

  const onSeen = ({ response, agent, at }: SeenResponse): void => {
    if (response.status !== 'active') return;
    const { target } = response;
    const match = expectations.find((e) => e.expectation.isFor(response.detector, target));
    if (match !== undefined) {
      const { expectation: e, plan } = match;
      if (!e.seen(agent, at, response)) return;
      const what = `${response.action.toUpperCase()} ${target.type} ${target.value} (${response.detector}${response.simulated ? ', SIMULATED: agents do not enforce it' : ''})`;
      if (e.thresholdAcceptedAt === undefined) {
        log(`${plan.name}: ${what} visible to ${agent} before its threshold event was accepted (${e.progress} of ${e.spec.threshold} counted): the server counts to a lower threshold, or counted other events too`);
      } else {
        log(`${plan.name}: ${what} visible to ${agent} ${at - e.thresholdAcceptedAt} ms after the ${e.spec.thresholdEvent} was accepted (${at - (e.thresholdSeenAt ?? at)} ms after the request)`);
      }
      return;
    }
    const key = `${response.id}`;
    const onIp = target.type === 'ip' ? benign.ips.get(target.value) : undefined;
    const benignActor = onIp !== undefined ? `benign address ${target.value} (of ${onIp.join(', ')})` : target.type === 'user' && benign.users.has(target.value) ? `benign user ${target.value}` : undefined;
    if (benignActor !== undefined) {
      if (falsePositives.some((f) => f.id === response.id)) return;
      falsePositives.push({ app: o.label, target, actor: benignActor, detector: response.detector, action: response.action, reason: response.reason, simulated: response.simulated, id: response.id });
      log(`!!!!! FALSE POSITIVE: ${benignActor} got a ${response.action.toUpperCase()} from ${response.detector} ("${response.reason}")${response.simulated ? ' (simulated)' : ''} !!!!!`);
      return;
    }
    if ((target.type === 'ip' ? attackerIps : attackerUsers).has(target.value)) {
      if (extra.has(key)) return;
      extra.set(key, { target, detector: response.detector });
      log(`also: ${response.action} ${target.type} ${target.value} by ${response.detector} ("${response.reason}")`);
      return;
    }
    if (!others.has(key)) {
      others.add(key);
      log(`a response on a target this run did not play: ${response.action} ${target.type} ${target.value} by ${response.detector}`);
    }
  };

  const watchers = fleet.agentIds.map((id) => new ResponseWatcher(api, id, onSeen, { warn: log }));
  let active: AgentResponse[];
  try {
    active = (await Promise.all(watchers.map((w) => w.start())))[0] ?? [];
  } catch (error) {
    await Promise.all(watchers.map((w) => w.stop()));
    throw error;
  }
  // An address already banned is not answered again: attackers come from elsewhere.
  const book = new AddressBook(actors, active.filter((r) => r.target.type === 'ip').map((r) => r.target.value));
  const users = benignUsers(actors, book, o.benignUsers ?? benignUserCount(o.rate));
  for (const u of users) for (const ip of u.ips) benign.ips.set(ip, [...(benign.ips.get(ip) ?? []), u.login]);
  for (const u of users) benign.users.add(u.login);
  for (const name of o.attacks) {
    const plan = planAttack(name, { random: actors, book, users });
    plans.push(plan);
    for (const ip of plan.targets.ips) attackerIps.add(ip);
    for (const user of plan.targets.users) attackerUsers.add(user);
    for (const spec of plan.expectations) expectations.push({ plan, expectation: new Expectation(spec) });
  }
  log(`${o.agents} agents, ${users.length} benign users on ${benign.ips.size} addresses at ${o.rate} events/s, for ${o.durationSeconds} s; ${active.length} responses already active`);

  fleet.start();
  const deadline = started + o.durationSeconds * 1000;
  const benignLoop = playBenignTraffic(traffic, users, o.rate, (event) => fleet.report(event), () => Date.now() < deadline && fatal === null);

  // Attacks start one after the other over the first half of the run, after some benign traffic.
  const spacingMs = (o.durationSeconds * 500) / Math.max(1, plans.length);
  const attackLoops = plans.map(async (plan, i) => {
    await sleep(Math.round(spacingMs * (i + 0.5)));
    log(`${plan.name}: starts — ${plan.summary}`);
    const mine = expectations.filter((e) => e.plan === plan).map((e) => e.expectation);
    for (const step of plan.steps) {
      if (fatal !== null) return;
      await sleep(step.gapMs);
      const event: SimEvent = { ts: new Date().toISOString(), ...step.event };
      fleet.report(event, (at) => {
        for (const e of mine) if (e.accepted(event, at)) log(`${plan.name}: threshold event accepted (${e.spec.thresholdEvent}) — waiting for ${e.spec.action} ${e.spec.target.type} ${e.spec.target.value} by ${e.spec.detector}`);
      });
    }
  });

  const [benignEvents] = await Promise.all([benignLoop, ...attackLoops]);
  await fleet.close();
  const lastPost = Date.now();
  log(`all events posted (${fleet.stats.accepted} accepted in ${fleet.stats.batches} batches); waiting for the responses (at most ${o.timeoutSeconds} s after each threshold event)`);

  // A few seconds more in any case: a late false positive must not go unseen.
  const settled = () =>
    expectations.every(({ expectation: e }) => {
      if (e.thresholdAcceptedAt === undefined) return true; // every event is posted: it never will be
      return e.agentsSeen.size === o.agents || Date.now() > e.thresholdAcceptedAt + o.timeoutSeconds * 1000;
    });
  while (fatal === null && (Date.now() < lastPost + 3000 || !settled())) await sleep(100);
  await Promise.all(watchers.map((w) => w.stop()));

  return {
    app: o.label,
    attacks: plans.map((plan) => {
      const results = expectations.filter((e) => e.plan === plan).map((e) => describe(e.expectation, o));
      return { app: o.label, attack: plan.name, summary: plan.summary, detected: results[0]?.status === 'detected', expectations: results };
    }),
    falsePositives,
    otherResponses: others.size,
    extraResponses: [...extra.values()],
    benign: { users: users.length, addresses: benign.ips.size, events: benignEvents },
    fleet: { ...fleet.stats, agents: o.agents },
    fatal,
  };
}

function describe(e: Expectation, o: SimulationOptions): ExpectationResult {
  const beforeThreshold = e.visibleAt !== undefined && (e.thresholdAcceptedAt === undefined || e.visibleAt < e.thresholdAcceptedAt);
  const delay = beforeThreshold ? undefined : e.delayMs;
  let status: ExpectationStatus;
  if (e.visibleAt !== undefined) status = delay === undefined || delay <= o.timeoutSeconds * 1000 ? 'detected' : 'late';
  else status = e.thresholdAcceptedAt === undefined ? 'threshold-not-reached' : 'missed';
  return {
    detector: e.spec.detector,
    action: e.spec.action,
    target: e.spec.target,
    thresholdEvent: e.spec.thresholdEvent,
    status,
    delayMs: delay ?? null,
    sinceRequestMs: beforeThreshold || e.visibleAt === undefined || e.thresholdSeenAt === undefined ? null : e.visibleAt - e.thresholdSeenAt,
    allAgentsDelayMs: beforeThreshold ? null : (e.allAgentsDelayMs(o.agents) ?? null),
    beforeThreshold,
    simulated: e.simulated,
    progress: e.progress,
    threshold: e.spec.threshold,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
