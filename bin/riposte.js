#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources directly (through tsx) in a checkout, and the compiled `dist/` in an
// image built without them: a checkout never runs a stale build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'src', 'cli', 'main.ts');
let entry;
if (existsSync(source)) {
  require('tsx/cjs');
  entry = source;
} else {
  entry = join(root, 'dist', 'src', 'cli', 'main.js');
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  });
