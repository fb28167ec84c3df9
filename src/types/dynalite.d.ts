/** dynalite ships no types; this is the part Riposte uses (an http.Server speaking the DynamoDB API). */
declare module 'dynalite' {
  import type { Server } from 'node:http';
  function dynalite(options?: {
    /** Directory for a LevelDB store; in memory without it. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }): Server;
  export = dynalite;
}
