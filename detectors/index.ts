/**
 * The built-in detectors. One file per detector in this folder, named for the detector, with its
 * test and its doc page (`<name>.md`) beside it; `registry.test.ts` fails when this list and the
 * folder disagree, `docs.test.ts` when the pages do.
 */
import type { DetectorDefinition } from '../src/core/detector';
import accountTakeover from './account-takeover';
import attackFlood from './attack-flood';
import credentialStuffing from './credential-stuffing';
import loginBruteForce from './login-brute-force';
import scanner from './scanner';

export const builtInDetectors: readonly DetectorDefinition[] = [
  loginBruteForce,
  credentialStuffing,
  accountTakeover,
  attackFlood,
  scanner,
] as readonly DetectorDefinition[];
