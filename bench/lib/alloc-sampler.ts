import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * BENCH_ALLOC_PROFILE=<file> in a server's environment: V8's sampling heap
 * profiler over every allocation, garbage included (what the GC has to
 * deal with), written as a .heapprofile-like JSON by the returned function
 * (the servers call it on SIGTERM). A no-op without the variable.
 */
export async function allocationSampler(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_ALLOC_PROFILE;
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(`${file}.${process.pid}.json`, JSON.stringify(profile));
  };
}
