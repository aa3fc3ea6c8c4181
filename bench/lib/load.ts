import autocannon from 'autocannon';

/** A load to apply with autocannon: the requests cycle in order on every connection. */
export interface LoadSpec {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  requests: autocannon.Request[];
  connections: number;
  /** Requests per second over all connections; as fast as possible when unset. */
  overallRate?: number;
  /** The status every answer should have (e.g. 401 for wrong passwords); any 2xx when unset. */
  expectedStatus?: number;
}

export interface LoadResult {
  /** Mean of autocannon's per-second samples. */
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Answers other than 2xx (or than `expectedStatus`), connection errors and timeouts. */
  failures: number;
  /** e.g. `401×12, errors×1`, empty when there were no failures. */
  failureDetail: string;
}

type ResultWithCodes = autocannon.Result & { statusCodeStats?: Record<string, { count: number }> };

const running = new Set<autocannon.Instance>();

/** Stops every load in progress (on Ctrl-C); their promises then resolve with what was measured. */
export function stopAllLoads(): void {
  for (const instance of running) instance.stop();
}

export function runLoad(spec: LoadSpec, durationSeconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl + (spec.requests[0]?.path ?? '/'),
        connections: spec.connections,
        duration: durationSeconds,
        requests: spec.requests,
        overallRate: spec.overallRate,
        timeout: 10,
      },
      (error: unknown, finished: autocannon.Result) => {
        const result = finished as ResultWithCodes;
        running.delete(instance);
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const details: string[] = [];
        let unexpected = 0;
        const expected = (code: string) =>
          spec.expectedStatus === undefined ? code.startsWith('2') : code === String(spec.expectedStatus);
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
          if (expected(code)) continue;
          details.push(`${code}×${count}`);
          unexpected += count ?? 0;
        }
        if (result.errors > 0) details.push(`errors×${result.errors}`);
        if (result.timeouts > 0) details.push(`timeouts×${result.timeouts}`);
        resolve({
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          total: result.requests.total,
          failures: (spec.expectedStatus === undefined ? result.non2xx : unexpected) + result.errors,
          failureDetail: details.join(', '),
        });
      },
    );
    running.add(instance);
  });
}
