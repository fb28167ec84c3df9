/**
 * The hot-path event check: accepts exactly the objects `EventSchema` accepts, at a fraction of the
 * cost (plain `typeof` tests, no issue objects, no allocation). It answers only yes or no; when the
 * answer is no, `decode.ts` asks the zod schema why. A property test keeps the two in step.
 */
import { isIP } from 'node:net';
import { APP_ID, LIMITS } from './schema';
import { parseEventTime } from './time';

// Module-local copies: read through an import binding, each would be a property load (a getter call
// under some loaders) on every record.
const { id: MAX_ID, appId: MAX_APP_ID, shortText: MAX_TEXT, userAgent: MAX_USER_AGENT, path: MAX_PATH } = LIMITS;
const APP_ID_PATTERN = APP_ID;
const parseTime = parseEventTime;

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
    optionalText(actor.userAgent, MAX_USER_AGENT)
  );
}

function validUser(user: unknown): boolean {
  if (user === undefined) return true;
  return isPlainObject(user) && optionalText(user.id, MAX_TEXT) && optionalText(user.login, MAX_TEXT);
}

function validAttack(attack: unknown, required: boolean): boolean {
  if (attack === undefined) return !required;
  return (
    isPlainObject(attack) &&
    requiredText(attack.category, MAX_TEXT) &&
    optionalText(attack.rule, MAX_TEXT) &&
    (attack.blocked === undefined || typeof attack.blocked === 'boolean')
  );
}

function validRequest(request: unknown): boolean {
  if (request === undefined) return true;
  if (!isPlainObject(request)) return false;
  const status = request.status;
  return (
    optionalText(request.method, MAX_TEXT) &&
    optionalText(request.path, MAX_PATH) &&
    (status === undefined || (Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599))
  );
}

function validAgent(agent: unknown): boolean {
  if (agent === undefined) return true;
  return isPlainObject(agent) && optionalText(agent.id, MAX_TEXT) && optionalText(agent.host, MAX_TEXT);
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
  if (typeof appId !== 'string' || appId.length === 0 || appId.length > MAX_APP_ID || !APP_ID_PATTERN.test(appId)) return NaN;
  const id = o.id;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID)) return NaN;
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
  if (eventRequired ? !requiredText(o.event, MAX_TEXT) : !optionalText(o.event, MAX_TEXT)) return NaN;
  if (o.props !== undefined && !isPlainObject(o.props)) return NaN;
  if (!validAgent(o.agent)) return NaN;
  // Last, because it is the most expensive check.
  return typeof o.ts === 'string' ? parseTime(o.ts) : NaN;
}
