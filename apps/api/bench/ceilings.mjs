// The ceiling for password sign-in: raw argon2id verifies with the library the API uses, same parameters,
// as many in flight as the benchmark's connections.
import { verify } from '@node-rs/argon2';

export async function argon2Ceiling(hash, password, count, inFlight) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next++;
        const t = performance.now();
        if (!(await verify(hash, password))) throw new Error('the reference hash did not verify');
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    p50: latencies[Math.floor(latencies.length / 2)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}
