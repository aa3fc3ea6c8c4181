import { availableParallelism } from 'node:os';

/** libuv's own default and upper bound for this choice. */
const LIBUV_DEFAULT_THREADS = 4;

/**
 * The size of libuv's thread pool, unless the operator set `UV_THREADPOOL_SIZE`: one thread per core, at most
 * libuv's default of 4. argon2 hashes run on this pool, one per core at a time, and each pool thread keeps the
 * 19 MiB a hash worked in (its malloc arena) for its next one: threads beyond the hashes that can run together
 * only hold memory (38 MB of resident memory on 2 cores after a login storm, at the same login rate).
 */
export function threadPoolSize(env: NodeJS.ProcessEnv, cores: number): string {
  return env.UV_THREADPOOL_SIZE ?? String(Math.min(LIBUV_DEFAULT_THREADS, Math.max(1, cores)));
}

// libuv reads it when the pool first gets work, which is after this module (imported first by main.ts) ran.
process.env.UV_THREADPOOL_SIZE = threadPoolSize(process.env, availableParallelism());
