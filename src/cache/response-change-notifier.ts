/**
 * The writer side of the agent API's cache and long-poll: after responses of an application are
 * written (or one is revoked), its cached reads are dropped and its waiting agents woken, in that
 * order, so a woken agent reads the new state. The shard processors write through
 * `NotifyingSettledWriter`; the retry queue's digester calls `notifier.changed` for what it lands (its
 * `onLanded`), and the admin API after a revoke. `NotifyingResponseSink` does the same for a plain
 * ResponseSink.
 *
 * A failure to notify is logged, not thrown: the responses are durable already, and failing the write
 * would make the engine write them again and again while Redis is down. Cached reads then expire on
 * their own (the cache's TTL) and waiting agents learn at the end of their wait.
 */
import { silentLogger, type Logger, type ResponseSink } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import type { PutOutcome, SettledWriter } from '../sinks/dynamodb/responses-store';
import type { ChangeFeed } from './change-feed';
import type { ResponseCache } from './response-cache';

export class ResponseChangeNotifier {
  constructor(
    private readonly cache: ResponseCache,
    private readonly feed: ChangeFeed,
    private readonly logger: Logger = silentLogger,
  ) {}

  async changed(appIds: readonly string[]): Promise<void> {
    const unique = [...new Set(appIds)];
    if (unique.length === 0) return;
    try {
      await this.cache.invalidate(unique);
    } catch (error) {
      this.logger.error({ err: error, appIds: unique }, 'cannot invalidate cached agent reads; they expire on their own');
    }
    try {
      await this.feed.publish(unique);
    } catch (error) {
      this.logger.error({ err: error, appIds: unique }, 'cannot wake waiting agents; they learn at the end of their wait');
    }
  }
}

export class NotifyingResponseSink implements ResponseSink {
  constructor(
    private readonly inner: ResponseSink,
    private readonly notifier: ResponseChangeNotifier,
  ) {}

  async write(responses: readonly SecurityResponse[]): Promise<void> {
    await this.inner.write(responses);
    await this.notifier.changed(responses.map((r) => r.appId));
  }
}

/**
 * Notifies for the responses that landed in this call (`written`); not for those already there (a
 * replay changes nothing an agent could see) nor for those that failed (the digester announces them
 * when it lands them, or finds them landed after all).
 */
export class NotifyingSettledWriter implements SettledWriter {
  constructor(
    private readonly inner: SettledWriter,
    private readonly notifier: ResponseChangeNotifier,
  ) {}

  async writeSettled(responses: readonly SecurityResponse[]): Promise<PutOutcome[]> {
    const outcomes = await this.inner.writeSettled(responses);
    await this.notifier.changed(outcomes.filter((o) => o.status === 'written').map((o) => o.response.appId));
    return outcomes;
  }
}
