import { Agent, ClientRequest, get, IncomingMessage, request } from 'node:http';
import { connect, Socket } from 'node:net';
import { runCli } from './support/cli';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { createMigratedDatabase, engines, TestDatabase } from './support/test-database';

const SECRET = 'shutdown-suite-secret-0123456789abcdef';
const METRICS_TOKEN = 'shutdown-suite-metrics-token-0123456789';
/** Far longer than the whole test: exiting before it shows that nothing waited for it. */
const GRACE_SECONDS = '60';
/**
 * Node closes a keep-alive connection after 5 s without a request: a shutdown that waits for idle connections
 * to time out takes at least that long after the last answer.
 */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const LOGINS = 20;
const LOGIN_BODY = 'username=argilla&password=shutdown-password';

/** What a client got for one request: the status and `Connection` header of a complete answer, or the error. */
type Outcome = { status: number; connection: string | undefined } | { error: string };

interface LogLine {
  context?: string;
  msg?: string;
}

function serverLogs(server: ServerProcess): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.context === 'ArgillaServer')
    .map((line) => line.msg ?? '');
}

function onAnswer(resolve: (outcome: Outcome) => void) {
  return (response: IncomingMessage): void => {
    response.resume();
    response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
    response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  };
}

/** Sends one GET on the agent's connections and reads the whole answer. */
function send(agent: Agent, port: number, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path, agent }, onAnswer(resolve)).on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
  });
}

interface StartedLogin {
  outcome: Promise<Outcome>;
  /** Sends the rest of the body: until then the server holds the request, received but not answerable. */
  finish: () => void;
}

/** Sends a login on the agent's connections: its head and half of its body. */
function startLogin(agent: Agent, port: number): StartedLogin {
  const half = Math.floor(LOGIN_BODY.length / 2);
  let outgoing: ClientRequest;
  const outcome = new Promise<Outcome>((resolve) => {
    outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/security/token',
        agent,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': LOGIN_BODY.length },
      },
      onAnswer(resolve),
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
  outgoing!.write(LOGIN_BODY.slice(0, half));
  return { outcome, finish: () => outgoing.end(LOGIN_BODY.slice(half)) };
}

/** Requests in flight on the server, read from its metrics on a connection of its own (not kept alive). */
function requestsInFlight(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        agent: false,
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        // The scrape itself is one of the requests in flight.
        response.on('end', () => resolve(Number(/\nargilla_http_requests_in_flight (\d+)/.exec(text)?.[1] ?? 0) - 1));
      },
    ).on('error', reject);
  });
}

/** Polls (bounded) until the server reports `count` requests in flight; returns the last count seen. */
async function untilInFlight(port: number, count: number): Promise<number> {
  let inFlight = 0;
  for (let attempt = 0; attempt < 500 && inFlight < count; attempt++) inFlight = await requestsInFlight(port);
  return inFlight;
}

/** Resolves when the server has written a log line matching `pattern` (bounded by the test's timeout). */
function logged(server: ServerProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!serverLogs(server).some((line) => pattern.test(line))) return;
      server.child.stdout!.off('data', check);
      resolve();
    };
    server.child.stdout!.on('data', check);
    check();
  });
}

interface RawConnection {
  socket: Socket;
  /** Every byte the server sent, once it has closed the connection, and when the last of them came. */
  received: Promise<{ text: string; lastAt: number }>;
}

/** A raw connection, to send pipelined requests and read everything the server sends until it closes. */
function rawConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      let text = '';
      let lastAt = 0;
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        lastAt = Date.now();
      });
      resolve({ socket, received: new Promise((done) => socket.on('close', () => done({ text, lastAt }))) });
    });
    socket.once('error', reject);
  });
}

/** The status and `Connection` header of each complete answer in a raw byte stream (bodies have a length). */
function parseAnswers(stream: string): { status: number; connection: string | undefined }[] {
  const answers = [];
  let rest = stream;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers = new Map(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers.get('content-length') ?? 0);
    if (rest.length < headEnd + 4 + length) break;
    answers.push({ status: Number(statusLine.split(' ')[1]), connection: headers.get('connection') });
    rest = rest.slice(headEnd + 4 + length);
  }
  return answers;
}

/** The head and the first half of a login's body, as raw bytes, and the rest. */
function rawLogin(port: number): [string, string] {
  const half = Math.floor(LOGIN_BODY.length / 2);
  return [
    `POST /api/security/token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${LOGIN_BODY.length}\r\n\r\n` +
      LOGIN_BODY.slice(0, half),
    LOGIN_BODY.slice(half),
  ];
}

describe.each(engines())('shutdown with keep-alive clients (%s)', (engine) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let agents: Agent[] = [];

  // One database for the suite: neither test changes what the other reads.
  beforeAll(async () => {
    ({ db } = await createMigratedDatabase(engine));
    env = {
      ...db.env,
      ARGILLA_LOCAL_AUTH_SECRET_KEY: SECRET,
      ARGILLA_METRICS_TOKEN: METRICS_TOKEN,
      ARGILLA_SHUTDOWN_TIMEOUT_SECONDS: GRACE_SECONDS,
    };
    const created = await runCli(['users', 'create_default', '--password', 'shutdown-password'], env);
    expect(created.code).toBe(0);
  });

  afterEach(async () => {
    for (const agent of agents) agent.destroy();
    agents = [];
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    server = undefined;
  });

  afterAll(() => db?.drop());

  function keepAliveAgent(): Agent {
    const agent = new Agent({ keepAlive: true, maxSockets: LOGINS });
    agents.push(agent);
    return agent;
  }

  /** The moment the server process ends, and its exit code. */
  function exitOf(started: ServerProcess): Promise<{ code: number | null; at: number }> {
    return started.exited.then((code) => ({ code, at: Date.now() }));
  }

  it(`on SIGTERM, answers ${LOGINS} logins in flight on kept-alive connections with 200 and Connection: close, then exits 0 at once`, async () => {
    server = await spawnServer(env, await freePort());
    const { port } = server;
    const exit = exitOf(server);
    const agent = keepAliveAgent();
    // The clients' connections are open and kept alive before the logins, as a busy client's are.
    const warmUp = await Promise.all(Array.from({ length: LOGINS }, () => send(agent, port, '/api/_info')));
    expect(warmUp).toEqual(Array(LOGINS).fill({ status: 200, connection: 'keep-alive' }));

    // Each login's body is sent in two halves, the second only once draining has begun: the requests are
    // received, and none can be answered, when the signal comes.
    const answered: number[] = [];
    const logins = Array.from({ length: LOGINS }, () => startLogin(agent, port));
    const outcomes = logins.map(({ outcome }) =>
      outcome.then((result) => {
        answered.push(Date.now());
        return result;
      }),
    );
    // One more connection, busy with a login, on which a second request arrives once draining has begun.
    const pipelined = await rawConnection(port);
    const [loginHead, loginRest] = rawLogin(port);
    pipelined.socket.write(loginHead);
    expect(await untilInFlight(port, LOGINS + 1)).toBe(LOGINS + 1);

    server.child.kill('SIGTERM');
    await logged(server, /^SIGTERM received/);
    for (const { finish } of logins) finish();
    pipelined.socket.write(`${loginRest}GET /api/_info HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);

    // Every request sent is answered in full; each answer tells the client that the connection ends with it.
    expect(await Promise.all(outcomes)).toEqual(Array(LOGINS).fill({ status: 200, connection: 'close' }));
    // The connection with a request after the login is kept for it, answers both, then the server closes it.
    const { text, lastAt } = await pipelined.received;
    expect(parseAnswers(text)).toEqual([
      { status: 200, connection: 'keep-alive' },
      { status: 200, connection: 'close' },
    ]);
    answered.push(lastAt);

    const { code, at } = await exit;
    expect(code).toBe(0);
    // No idle keep-alive connection held the process: it ended right after the last answer, before the
    // connections would have timed out (and long before the 60 s grace period).
    expect(at - Math.max(...answered)).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS - 1_000);
    const logs = serverLogs(server);
    expect(logs.filter((line) => /^SIGTERM received|^Drained/.test(line))).toEqual([
      expect.stringMatching(/^SIGTERM received: draining \d+ connections/),
      expect.stringMatching(/^Drained in \d+ ms: every request answered, every connection closed$/),
    ]);
  });

  it('on SIGTERM, closes idle keep-alive connections at once and exits 0', async () => {
    server = await spawnServer(env, await freePort());
    const { port } = server;
    const exit = exitOf(server);
    const agent = keepAliveAgent();
    expect(await send(agent, port, '/api/_info')).toEqual({ status: 200, connection: 'keep-alive' });
    const [kept] = Object.values(agent.freeSockets).flat();
    // A connection that has sent nothing yet is idle too.
    const silent = await rawConnection(port);
    const closed = [kept!, silent.socket].map(
      (socket) => new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now()))),
    );

    server.child.kill('SIGTERM');
    const closedAt = await Promise.all(closed);
    expect((await silent.received).text).toBe('');
    const { code, at } = await exit;
    expect(code).toBe(0);
    expect(Math.max(...closedAt)).toBeLessThanOrEqual(at);
    expect(serverLogs(server).filter((line) => /^SIGTERM received|^Drained/.test(line))).toEqual([
      expect.stringMatching(/^SIGTERM received: draining \d+ connections/),
      expect.stringMatching(/^Drained in \d+ ms: every request answered, every connection closed$/),
    ]);
  }, 20_000); // well below the grace period: a connection that holds the process fails the test
});
