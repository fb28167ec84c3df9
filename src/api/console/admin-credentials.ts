/**
 * Who may use the admin API and the console: the holder of RIPOSTE_ADMIN_TOKEN, or, in embedded mode,
 * of the token `riposte start` created on its first start. That one is kept only as its SHA-256 (as
 * agent tokens are), in RIPOSTE_DATA_DIR/admin-token.json, and printed once.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { hashToken, secretsEqual } from '../../registry/tokens';

export interface AdminCredentials {
  /** False when no admin token is configured: the admin API and the console's sign-in are off. */
  readonly configured: boolean;
  /** Whether `token` is an admin token; compared in constant time. */
  verify(token: string): boolean;
}

/** `rpa_` + 43 base64url characters (32 bytes); the prefix tells it from an agent token (`rpt_`). */
export function newAdminToken(): string {
  return `rpa_${randomBytes(32).toString('base64url')}`;
}

/** The configured token, or else the stored hash, or nothing. */
export function adminCredentials(options: { token?: string; storedHash?: string }): AdminCredentials {
  const { token, storedHash } = options;
  if (token !== undefined) return { configured: true, verify: (presented) => secretsEqual(presented, token) };
  if (storedHash !== undefined) {
    // The presented token's hash against the stored one, in constant time.
    return { configured: true, verify: (presented) => secretsEqual(hashToken(presented), storedHash) };
  }
  return { configured: false, verify: () => false };
}

const StoredToken = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() });
export const ADMIN_TOKEN_FILE = 'admin-token.json';

/**
 * The admin token of an embedded deployment: the stored hash, or a new token (returned once, so that
 * it can be printed) whose hash is stored. A file that is not what it should be is an error that
 * names it, never silently replaced: that would lock out whoever holds the token.
 */
export async function embeddedAdminToken(dataDir: string, clock: () => number = Date.now): Promise<{ hash: string; created: string | undefined }> {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    let parsed: z.ZodSafeParseResult<z.infer<typeof StoredToken>>;
    try {
      parsed = StoredToken.safeParse(JSON.parse(text));
    } catch {
      parsed = StoredToken.safeParse(undefined);
    }
    if (!parsed.success) throw new Error(`${file} is not {"hash": "<64 hex digits>", "createdAt": "..."}; delete it to have a new admin token made and printed at the next start`);
    return { hash: parsed.data.hash, created: undefined };
  }
  const token = newAdminToken();
  const hash = hashToken(token);
  // `wx`: two processes starting at once on one data directory do not both make a token.
  try {
    await writeFile(file, `${JSON.stringify({ hash, createdAt: new Date(clock()).toISOString() })}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return embeddedAdminToken(dataDir, clock);
    throw error;
  }
  return { hash, created: token };
}
