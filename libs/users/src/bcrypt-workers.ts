import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

type BcryptJob =
  | { readonly op: 'hash'; readonly password: string; readonly rounds: number }
  | { readonly op: 'compare'; readonly password: string; readonly hash: string };

type BcryptReply = { readonly result: string | boolean } | { readonly error: string };

interface PendingJob {
  resolve(result: string | boolean): void;
  reject(error: Error): void;
}

/**
 * What each worker runs: bcryptjs's synchronous functions, one job at a time. Plain JavaScript evaluated in the
 * worker, so that it needs no file of its own next to the bundled apps; bcryptjs is loaded by its resolved path.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', (job) => {
  try {
    const result =
      job.op === 'hash' ? bcrypt.hashSync(job.password, job.rounds) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * bcrypt in worker threads. bcryptjs is plain JavaScript: one cost-12 hash keeps a thread busy for about 0.4 s,
 * and its asynchronous functions still run on the event loop (in slices of up to 100 ms), where it would stall
 * every other request. Workers start on first use and stay for the next job, idle ones not keeping the process
 * alive; the caller bounds how many jobs run at once (PasswordHasher: one per core), hence how many workers exist.
 */
export class BcryptWorkers {
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<Worker, PendingJob>();
  private readonly workers = new Set<Worker>();
  private modulePath: string | undefined;
  private closed = false;

  async hash(password: string, rounds: number): Promise<string> {
    return (await this.run({ op: 'hash', password, rounds })) as string;
  }

  async compare(password: string, hash: string): Promise<boolean> {
    return (await this.run({ op: 'compare', password, hash })) as boolean;
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private run(job: BcryptJob): Promise<string | boolean> {
    // A job asked for after close (a background task finishing late) would start a worker that nothing ends.
    if (this.closed) return Promise.reject(new Error('The bcrypt workers are closed'));
    const worker = this.idle.pop() ?? this.spawn();
    // A job in flight keeps the process alive (a CLI command awaits it); an idle worker does not.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(worker, { resolve, reject });
      worker.postMessage(job);
    });
  }

  private spawn(): Worker {
    // Resolved here rather than in the worker: an evaluated script resolves modules from the working directory.
    this.modulePath ??= createRequire(__filename).resolve('bcryptjs');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: this.modulePath } });
    this.workers.add(worker);
    worker.on('message', (reply: BcryptReply) => {
      const job = this.pending.get(worker);
      this.pending.delete(worker);
      worker.unref();
      if (this.workers.has(worker)) this.idle.push(worker);
      if ('error' in reply) job?.reject(new Error(reply.error));
      else job?.resolve(reply.result);
    });
    const fail = (error: Error): void => {
      this.workers.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      this.pending.get(worker)?.reject(error);
      this.pending.delete(worker);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`A bcrypt worker stopped (exit code ${code})`)));
    return worker;
  }
}
