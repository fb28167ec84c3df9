/**
 * The hot-path event check: accepts exactly the objects `EventSchema` accepts, at a fraction of the
 * cost (plain `typeof` tests, no issue objects, no allocation). It answers only yes or no; when the
 * answer is no, `decode.ts` asks the zod schema why. A property test keeps the two in step.
 */
import { isIP } from 'node:net';
import { APP_ID, LIMITS, parseEventTime } from './schema';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown, max: number): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= max);
}

function requiredText(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length <= max;
}

function validActor(actor: unknown): boolean {
  return (
    isPlainObject(actor) &&
    typeof actor.ip === 'string' &&
    isIP(actor.ip) !== 0 &&
    optionalText(actor.userAgent, LIMITS.userAgent)
  );
}

function validUser(user: unknown): boolean {
  if (user === undefined) return true;
  return isPlainObject(user) && optionalText(user.id, LIMITS.shortText) && optionalText(user.login, LIMITS.shortText);
}

function validAttack(attack: unknown, required: boolean): boolean {
  if (attack === undefined) return !required;
  return (
    isPlainObject(attack) &&
    requiredText(attack.category, LIMITS.shortText) &&
    optionalText(attack.rule, LIMITS.shortText) &&
    (attack.blocked === undefined || typeof attack.blocked === 'boolean')
  );
}

function validRequest(request: unknown): boolean {
  if (request === undefined) return true;
  if (!isPlainObject(request)) return false;
  const status = request.status;
  return (
    optionalText(request.method, LIMITS.shortText) &&
    optionalText(request.path, LIMITS.path) &&
    (status === undefined || (Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599))
  );
}

function validAgent(agent: unknown): boolean {
  if (agent === undefined) return true;
  return isPlainObject(agent) && optionalText(agent.id, LIMITS.shortText) && optionalText(agent.host, LIMITS.shortText);
}

/**
 * Returns the event time in epoch milliseconds when `value` is a valid event v1, or NaN when it is
 * not. Parsing the timestamp is part of validating it, so the caller gets it for free.
 */
export function checkEvent(value: unknown): number {
  if (!isPlainObject(value)) return NaN;
  const o = value;
  if (o.v !== 1) return NaN;
  const appId = o.appId;
  if (typeof appId !== 'string' || appId.length === 0 || appId.length > LIMITS.appId || !APP_ID.test(appId)) return NaN;
  const id = o.id;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.id)) return NaN;
  const type = o.type;
  let attackRequired = false;
  let eventRequired = false;
  switch (type) {
    case 'login_failure':
    case 'login_success':
    case 'request':
      break;
    case 'attack':
      attackRequired = true;
      break;
    case 'custom':
      eventRequired = true;
      break;
    default:
      return NaN;
  }
  if (!validActor(o.actor)) return NaN;
  if (!validUser(o.user)) return NaN;
  if (!validAttack(o.attack, attackRequired)) return NaN;
  if (!validRequest(o.request)) return NaN;
  if (eventRequired ? !requiredText(o.event, LIMITS.shortText) : !optionalText(o.event, LIMITS.shortText)) return NaN;
  if (o.props !== undefined && !isPlainObject(o.props)) return NaN;
  if (!validAgent(o.agent)) return NaN;
  // Last, because it is the most expensive check.
  return typeof o.ts === 'string' ? parseEventTime(o.ts) : NaN;
}
