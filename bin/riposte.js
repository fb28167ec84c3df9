#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources in a checkout (each file transpiled once and cached by its content:
// typescript-cache.js) and the compiled `dist/` in an image built without them: a checkout never runs
// a stale build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
// Node 22.1 and later keep V8's compiled code of every module on disk, so that the next start skips
// parsing and compiling zod, fastify, the AWS SDK… (a no-op on Node 20, which has no such cache).
require('node:module').enableCompileCache?.();
const source = join(root, 'src', 'cli', 'main.ts');
let entry;
let base;
if (existsSync(source)) {
  require('./typescript-cache').register(root);
  entry = source;
  base = root;
} else {
  entry = join(root, 'dist', 'src', 'cli', 'main.js');
  base = join(root, 'dist');
}
if (process.argv[2] === 'kcl') {
  // In `riposte kcl` standard output belongs to the MultilangDaemon: claim it before any other module
  // loads, so that not even a dependency printing as it loads can corrupt the protocol. The guard
  // also takes stdout's errors: a broken pipe means the daemon is gone, and the child then stops in
  // order (closing its clients) instead of exiting on the spot.
  require(join(base, 'src', 'drivers', 'kcl', 'stdout-guard')).claimProcessStdout();
} else {
  // A reader that stops reading (`riposte --help | head`) is not an error.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  });
