/**
 * Agent tokens: 256 random bits, shown once, stored only as their SHA-256. A token is a bearer
 * secret with full entropy, so a plain (unsalted, fast) hash is enough: nobody can search 2^256
 * inputs, and a fast hash keeps authentication off the request's critical path.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `rpt_` + 43 base64url characters (32 bytes). The prefix lets secret scanners recognise a leaked token. */
export const AGENT_TOKEN = /^rpt_[A-Za-z0-9_-]{43}$/;

export function newAgentToken(): string {
  return `rpt_${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of the token: what the registry keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A short, non-secret name for a token (the start of its hash), for listings and logs. */
export function tokenId(hash: string): string {
  return hash.slice(0, 10);
}

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed first,
 * so the comparison also takes the same time whatever their lengths.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
