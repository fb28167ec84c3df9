/**
 * The demo: Riposte on its embedded default, three processes of the example shop (examples/shop),
 * each with @riposte/agent, a customer shopping, and an attacker spreading a password-guessing run
 * over the three. It prints the story as it happens — when each shop starts answering the attacker
 * 403 — then stops everything.
 *
 *   npm run demo                   (npm run demo -- --help)
 *
 * Exit status: 0 when every shop blocked the attacker and never the customer; 1 otherwise.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../test/helpers/riposte-process';
import { httpFrom, postJsonFrom } from './lib/http-from';
import { startShop, type ShopProcess } from './lib/shop-process';

const ATTACKER = '127.0.0.66';
const CUSTOMER = '127.0.0.77';

const program = new Command('demo')
  .description(
    'Start Riposte (embedded, in a temporary directory), three processes of the example shop with @riposte/agent, a customer and an attacker ' +
      'who spreads a password-guessing run over the three shops; print when each shop starts answering the attacker 403, then stop everything.',
  )
  .option('--timeout <seconds>', 'give up if the shops have not all blocked the attacker by then', (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 5) throw new InvalidArgumentError(`--timeout must be a whole number of seconds of at least 5, got "${value}"`);
    return n;
  }, 60)
  .option('--keep-data', 'keep the temporary data directory and print where it is');

const started = Date.now();
const say = (line: string): void => void process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}\n`);

// Whatever happens to the demo, its child processes go with it: Ctrl-C or SIGTERM end the story and
// stop them in order; a closed pipe (`npm run demo | head`) only ends the output; and should the demo
// die anyway, whatever still runs is killed as it exits.
const children = new Set<ChildProcess>();
let interrupted = false;
process.stdout.on('error', () => undefined);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (interrupted = true));
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function main(): Promise<number> {
  const options = program.parse().opts<{ timeout: number; keepData?: boolean }>();
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-demo-'));
  let riposte: RiposteProcess | undefined;
  const shops: ShopProcess[] = [];
  try {
    say('starting Riposte on its embedded Kinesis and DynamoDB…');
    riposte = await startRiposteProcess(dataDir);
    children.add(riposte.child);
    const token = await demoToken(riposte);
    say(`Riposte is running at ${riposte.url} (application "demo")`);
    const url = riposte.url;
    const starting = ['shop-1', 'shop-2', 'shop-3'].map((name) => startShop({ name, riposteUrl: url, token, onStderr: (line) => say(`${name} (stderr): ${line}`) }));
    for (const shop of await Promise.allSettled(starting)) {
      if (shop.status === 'fulfilled') shops.push(shop.value);
      if (shop.status === 'fulfilled') children.add(shop.value.child);
    }
    if (shops.length < starting.length) throw new Error(`a shop did not start: ${(await Promise.all(starting.map((s) => s.catch((e: Error) => e.message)))).find((r) => typeof r === 'string')}`);
    await Promise.all(shops.map((s) => s.ready()));
    say(`three shops, each with its agent: ${shops.map((s) => `${s.name} ${s.url}`).join(', ')}`);
    return await play(shops, options.timeout * 1000);
  } finally {
    await Promise.all(shops.map((s) => s.stop()));
    await riposte?.stop();
    if (options.keepData === true) say(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
    say('stopped everything');
  }
}

async function play(shops: readonly ShopProcess[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const customer: number[] = [];
  let running = true;
  const shopping = (async () => {
    for (let i = 0; running && !interrupted; i++) {
      const shop = shops[i % shops.length] as ShopProcess;
      customer.push((await httpFrom(`${shop.url}/products/${(i % 3) + 1}`, { from: CUSTOMER })).status);
      if (i % 20 === 0) customer.push((await postJsonFrom(`${shop.url}/login`, CUSTOMER, { login: 'bob@example.com', password: 'builder' })).status);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  say(`a customer (${CUSTOMER}) browses the three shops and logs in`);
  say(`an attacker (${ATTACKER}) guesses alice@example.com's password on shop-1, shop-2, shop-3 in turn: each shop sees a third of it`);

  const blockedAt = new Map<string, number>();
  let guesses = 0;
  for (let i = 0; blockedAt.size < shops.length && Date.now() < deadline && !interrupted; i++) {
    const shop = shops[i % shops.length] as ShopProcess;
    const answer = await postJsonFrom(`${shop.url}/login`, ATTACKER, { login: 'alice@example.com', password: `guess-${i}` });
    if (answer.status === 401) {
      guesses += 1;
      if (guesses <= 12 || guesses % 10 === 0) say(`attacker: guess ${guesses} on ${shop.name} → 401 wrong password`);
    }
    // Between guesses the attacker tries each shop's home page: the moment a shop says 403 is printed.
    for (const s of shops) {
      if (blockedAt.has(s.name)) continue;
      if ((await httpFrom(`${s.url}/`, { from: ATTACKER })).status === 403) {
        blockedAt.set(s.name, Date.now());
        say(`${s.name} answers the attacker 403 Forbidden (after ${guesses} wrong guesses in all, ${Math.ceil(guesses / shops.length)} or fewer on this shop)`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  running = false;
  await shopping;

  const refused = customer.filter((s) => s !== 200);
  if (interrupted) {
    say('interrupted');
    return 1;
  }
  if (blockedAt.size < shops.length) {
    say(`FAILED: after ${timeoutMs / 1000} s only ${[...blockedAt.keys()].join(', ') || 'no shop'} blocked the attacker`);
    return 1;
  }
  const times = [...blockedAt.values()];
  say(`all three shops block the attacker; the last one ${Math.max(...times) - Math.min(...times)} ms after the first`);
  say(`the customer made ${customer.length} requests: ${refused.length === 0 ? 'every one answered normally' : `${refused.length} refused (${refused.join(', ')})`}`);
  return refused.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
