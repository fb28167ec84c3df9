/**
 * Fault injection for Kinesis: an SDK middleware on a real client that makes PutRecords report some
 * entries as throttled without sending them — exactly what a shard over its write limit does — so
 * retry logic is tested against the real stream, not a mock.
 */
import { createKinesisClient } from '../../src/aws/clients';
import type { KinesisClient, PutRecordsInput, PutRecordsOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';

export interface ThrottleControl {
  /** Entries refused so far. */
  throttled: number;
  calls: number;
}

/**
 * A client to `endpoint` whose PutRecords refuses the entries `refuse(call, index, data)` picks (call
 * counts from 1), answering ProvisionedThroughputExceededException for them.
 */
export function throttlingKinesisClient(endpoint: string, refuse: (call: number, index: number, data: Uint8Array) => boolean): { client: KinesisClient; control: ThrottleControl } {
  const client = createKinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const control: ThrottleControl = { throttled: 0, calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const call = ++control.calls;
      const input = args.input as PutRecordsInput;
      const records = input.Records ?? [];
      const refused = records.map((r, i) => refuse(call, i, r.Data as Uint8Array));
      const kept = records.filter((_, i) => !refused[i]);
      let sent: PutRecordsResultEntry[] = [];
      let failedSent = 0;
      let result: Awaited<ReturnType<typeof next>> | undefined;
      if (kept.length > 0) {
        result = await next({ ...args, input: { ...input, Records: kept } });
        const output = result.output as PutRecordsOutput;
        sent = output.Records ?? [];
        failedSent = output.FailedRecordCount ?? 0;
      }
      const merged: PutRecordsResultEntry[] = [];
      let s = 0;
      for (const isRefused of refused) {
        if (isRefused) {
          control.throttled++;
          merged.push({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (injected)' });
        } else {
          merged.push(sent[s++] as PutRecordsResultEntry);
        }
      }
      const output = { $metadata: {}, Records: merged, FailedRecordCount: failedSent + refused.filter(Boolean).length };
      return { response: result?.response ?? {}, output } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'injectPutRecordsThrottling' },
  );
  return { client, control };
}

export interface GateControl {
  /** PutRecords calls made so far, and how many are held now. */
  calls: number;
  held: number;
  /** Lets every held call (and every later one) through. */
  open(): void;
}

/**
 * A client to `endpoint` whose PutRecords calls wait until `open()`: a stream that does not keep up,
 * for as long as a test wants, without a timer.
 */
export function gatedKinesisClient(endpoint: string): { client: KinesisClient; control: GateControl } {
  const client = createKinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const control: GateControl = { calls: 0, held: 0, open: () => release() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      control.calls++;
      control.held++;
      await opened;
      control.held--;
      return next(args);
    },
    { step: 'initialize', name: 'holdPutRecords' },
  );
  return { client, control };
}
