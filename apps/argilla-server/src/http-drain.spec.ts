import { Agent, createServer, get, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { HttpDrain } from './http-drain';

/** A server whose answers wait until the test releases them. */
function heldServer(): { server: Server; held: ServerResponse[]; arrived: Promise<void>[] } {
  const held: ServerResponse[] = [];
  const arrivals: (() => void)[] = [];
  const arrived = Array.from({ length: 4 }, () => new Promise<void>((resolve) => arrivals.push(resolve)));
  const server = createServer((request, response) => {
    if (request.url === '/held') {
      held.push(response);
      arrivals.shift()?.();
    } else response.end('ok');
  });
  return { server, held, arrived };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function fetchWith(agent: Agent, port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
    }).on('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

describe('HttpDrain', () => {
  let agent: Agent;

  beforeEach(() => (agent = new Agent({ keepAlive: true })));
  afterEach(() => agent.destroy());

  it('closes idle keep-alive connections and connections that sent nothing at once', async () => {
    const { server } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    await fetchWith(agent, port, '/');
    const [kept] = Object.values(agent.freeSockets).flat();
    const silent = connect(port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));

    await Promise.all([drain.drain(), closed(kept!), closed(silent)]);
    expect(server.listening).toBe(false);
  });

  it('answers a request in progress with Connection: close, then closes its connection', async () => {
    const { server, held, arrived } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const answer = fetchWith(agent, port, '/held');
    await arrived[0];

    const drained = drain.drain();
    held[0].end('late');
    const response = await answer;
    expect([response.statusCode, response.headers.connection]).toEqual([200, 'close']);
    await drained;
    expect(drain.connections).toBe(0);
  });

  it('keeps a connection for a request pipelined behind one in progress, and closes it after the last answer', async () => {
    const { server, held, arrived } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await arrived[0];

    const drained = drain.drain();
    socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await arrived[1];
    held[1].end('second');
    held[0].end('first');
    await Promise.all([drained, closed(socket)]);
    expect(text.match(/HTTP\/1\.1 200 OK|^Connection: .*|first|second/gm)).toEqual([
      'HTTP/1.1 200 OK',
      'Connection: keep-alive',
      'first',
      'HTTP/1.1 200 OK',
      'Connection: close',
      'second',
    ]);
  });

  /** Whether a promise has settled once the pending callbacks of this turn and the next have run. */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return done;
  }

  it('waits for the handler of a request whose client left before the answer, then says it waited for it', async () => {
    const { server, held, arrived } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await arrived[0];
    socket.destroy();
    await closed(held[0].req.socket!);
    expect([drain.connections, drain.abandonedRequests]).toEqual([0, 1]);

    const drained = drain.drain();
    const serverClosed = new Promise((resolve) => server.once('close', resolve));
    await serverClosed;
    expect(await settled(drained)).toBe(false);
    // Ending the answer of a closed connection still goes through (nothing is sent).
    held[0].end('late');
    expect(held[0].writableEnded).toBe(true);
    expect(await drained).toEqual({ abandoned: 1 });
    expect(drain.abandonedRequests).toBe(0);
  });

  it('waits for every request pipelined on a connection whose client left, whatever order they end in', async () => {
    const { server, held, arrived } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\nGET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await Promise.all([arrived[0], arrived[1]]);
    socket.destroy();
    await closed(held[0].req.socket!);
    expect(drain.abandonedRequests).toBe(2);

    const drained = drain.drain();
    held[1].end('second');
    expect(await settled(drained)).toBe(false);
    held[0].end('first');
    expect(await drained).toEqual({ abandoned: 2 });
  });

  it('does not count a request whose client left that ended before draining, and stops waiting when cut', async () => {
    const { server, held, arrived } = heldServer();
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const first = connect(port, '127.0.0.1');
    first.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await arrived[0];
    const second = connect(port, '127.0.0.1');
    second.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await arrived[1];
    first.destroy();
    second.destroy();
    await Promise.all([closed(held[0].req.socket!), closed(held[1].req.socket!)]);
    held[0].end('before');
    expect(drain.abandonedRequests).toBe(1);

    const drained = drain.drain();
    expect(await settled(drained)).toBe(false);
    drain.cut();
    expect(await drained).toEqual({ abandoned: 0 });
    // Its handler may still end it.
    held[1].end('after');
    expect(held[1].writableEnded).toBe(true);
  });
});
