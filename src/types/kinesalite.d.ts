/** kinesalite ships no types; this is the part Riposte uses (an http.Server speaking the Kinesis API). */
declare module 'kinesalite' {
  import type { Server } from 'node:http';
  function kinesalite(options?: {
    /** Directory for a LevelDB store; in memory without it. */
    path?: string;
    /** How long a stream stays CREATING, DELETING or UPDATING (ms; default 500). */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }): Server;
  export = kinesalite;
}
