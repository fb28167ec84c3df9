/** The repository's root directory, for scripts and tests that run its programs or read its files. */
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
