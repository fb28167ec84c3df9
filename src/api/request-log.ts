/**
 * Which answered requests get a `request` log line. Every request answered 4xx or 5xx gets one: that
 * is where bad input came from (application, path, status) and what failed. Of the requests answered
 * 2xx or 3xx, each route logs at most `successesPerSecond` a second (the first ones); the next line
 * it logs says, as `unlogged`, how many it left out since the one before. At debug level every request
 * is logged.
 *
 * Why: the ingest answers thousands of 202s a second, and a line each — formatted, redacted, escaped
 * and written to standard error synchronously — was 6–7% of the API thread's time under the bench's
 * load (docs/ingest.md, "CPU per request on the API's thread"), for lines that say nothing the metrics do not count
 * (`riposte_http_requests_total` counts every request, logged or not). A sampler per route, as zap's
 * (first N a second), keeps a quiet route's every line and the shape of a busy one's.
 */
export class RequestLogSampler {
  /** The second (epoch s) the counts below are for. */
  #second = -1;
  /** Success lines logged this second, by route. */
  readonly #logged = new Map<string, number>();
  /** Success lines left out since the last one logged, by route. */
  readonly #unlogged = new Map<string, number>();

  constructor(
    private readonly successesPerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * A request of `route` was answered 2xx or 3xx: undefined when its line is left out, else how many
   * of the route's lines were left out before it (0 for none).
   */
  admit(route: string): number | undefined {
    const second = Math.floor(this.clock() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#logged.clear();
    }
    const logged = this.#logged.get(route) ?? 0;
    if (logged >= this.successesPerSecond) {
      this.#unlogged.set(route, (this.#unlogged.get(route) ?? 0) + 1);
      return undefined;
    }
    this.#logged.set(route, logged + 1);
    const unlogged = this.#unlogged.get(route);
    if (unlogged === undefined) return 0;
    this.#unlogged.delete(route);
    return unlogged;
  }
}

/** Success lines a route logs each second (every error is logged). */
export const SUCCESS_LINES_PER_ROUTE_PER_SECOND = 10;
