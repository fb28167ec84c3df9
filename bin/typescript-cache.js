'use strict';
/**
 * Runs the TypeScript sources of a checkout without a build step, and without transpiling them on
 * every start (which is what made `riposte --help` take over a second through tsx).
 *
 * Each `.ts` file is transpiled the first time it is required, by @swc/core with the options the
 * tests use (jest.config.js), into node_modules/.cache/riposte/, under a hash of its path, its
 * content and the compiler's version. A file is read and hashed on every load, so an edited file is
 * transpiled again the first time it runs: a checkout never runs stale code, whatever the clocks or
 * the build say. The compiler itself is loaded only on a miss.
 *
 * Files are written to a temporary name and renamed, so that processes starting side by side (the
 * tests start many) never read a half-written file.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Change when the options below change: the hash of a file then names a different output. */
const FORMAT = 'swc-cjs-es2022-inline-map-1';

function swcOptions(filename) {
  return {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
    // The configuration is here, not in a .swcrc that would also apply to other tools.
    swcrc: false,
    configFile: false,
  };
}

function register(root) {
  const cacheDir = join(root, 'node_modules', '.cache', 'riposte');
  let swc;
  let salt;
  const compilerSalt = () => {
    if (salt === undefined) {
      let version = 'unknown';
      try {
        version = JSON.parse(readFileSync(join(root, 'node_modules', '@swc', 'core', 'package.json'), 'utf8')).version;
      } catch {
        // No compiler installed: the first miss says so below.
      }
      salt = `${FORMAT}\0${version}\0`;
    }
    return salt;
  };

  // Stack traces point into the TypeScript sources.
  process.setSourceMapsEnabled(true);

  require.extensions['.ts'] = function loadTypeScript(module, filename) {
    const source = readFileSync(filename, 'utf8');
    const key = createHash('sha1').update(compilerSalt()).update(filename).update('\0').update(source).digest('hex');
    const cached = join(cacheDir, `${key}.js`);
    let code;
    try {
      code = readFileSync(cached, 'utf8');
    } catch {
      swc ??= require('@swc/core');
      code = swc.transformSync(source, swcOptions(filename)).code;
      mkdirSync(cacheDir, { recursive: true });
      const temporary = `${cached}.${process.pid}.tmp`;
      writeFileSync(temporary, code);
      renameSync(temporary, cached);
    }
    module._compile(code, filename);
  };
}

module.exports = { register };
