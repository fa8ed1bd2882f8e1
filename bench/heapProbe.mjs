// Preloaded into the service by bench/soak.ts (node --expose-gc --import ./bench/heapProbe.mjs):
// on SIGUSR2 it runs a full garbage collection and writes process.memoryUsage() to
// $HEAP_PROBE_FILE. What the heap holds after a full collection is what the service keeps; its
// growth over a long load is a leak, or a cache still filling up.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.HEAP_PROBE_FILE;
if (!file || typeof globalThis.gc !== 'function') throw new Error('heapProbe needs HEAP_PROBE_FILE and --expose-gc');
process.on('SIGUSR2', () => {
  globalThis.gc();
  writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
  renameSync(`${file}.tmp`, file); // whole, or not there
});
