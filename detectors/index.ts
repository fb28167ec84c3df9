/**
 * The built-in detectors. One file per detector in this folder, named for the detector;
 * `detectors/registry.test.ts` fails when this list and the folder disagree.
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
