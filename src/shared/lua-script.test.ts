/** LuaScript against the real Redis at 127.0.0.1:6379 (or REDIS_URL). */
import { randomUUID } from 'node:crypto';
import { connectRedis } from '../../test/helpers/redis';
import { LuaScript } from './lua-script';

const redis = connectRedis();
afterAll(() => redis.quit());

test('a script Redis has not seen is loaded by EVAL, and run by its SHA1 afterwards', async () => {
  // A source no Redis has seen yet (the comment makes it unique), so the first EVALSHA gets NOSCRIPT.
  const script = new LuaScript(`-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1], ARGV[2]}`);
  expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
  expect(await script.run(redis, ['k'], ['a', 7])).toEqual(['k', 'a', '7']);
  expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
  expect(await script.run(redis, ['k'], ['b', 8])).toEqual(['k', 'b', '8']);
});

test('an error of the script itself is thrown, not retried', async () => {
  const script = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('NOSUCHCOMMAND')`);
  await expect(script.run(redis, [], [])).rejects.toThrow(/unknown command|Unknown Redis command/i);
});
