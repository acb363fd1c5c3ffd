// The local AWS servers the tests start ship no type declarations; these are the parts the tests call.
declare module 's3rver' {
  export default class S3rver {
    constructor(options: { port: number; address: string; silent: boolean; directory: string; configureBuckets?: { name: string }[] });
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  }
}
declare module 'dynalite' {
  import type { Server } from 'node:net';
  export default function dynalite(options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }): Server;
}
