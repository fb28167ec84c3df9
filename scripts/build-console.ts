/**
 * `npm run build:console`: builds the console into dist/console/<hash of its sources> (what the image
 * serves; in a checkout `riposte start` does the same by itself when the sources changed).
 */
import { ConsoleBundle, packageRoot } from '../src/api/console/bundle';
import { createLogger } from '../src/observability/logger';

async function main(): Promise<void> {
  const bundle = new ConsoleBundle(packageRoot(), { logger: createLogger({ level: 'info' }) });
  if (!bundle.fromSources) throw new Error(`no console sources in ${bundle.root}/console`);
  const files = await bundle.files();
  process.stderr.write(`console ready: ${[...files.keys()].join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
