import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Ends an HTTP server without cutting any request short, keep-alive connections included.
 *
 * Node's `server.close()` alone is not enough: it closes the connections idle at that moment, but keeps every
 * other one open after its answer (sent with `Connection: keep-alive`, so the client reuses it), until it has been
 * idle for `keepAliveTimeout`; and a connection that has not sent a request yet is not idle to it at all.
 * Here, while draining, the last answer due on a connection says `Connection: close` and Node closes the
 * connection right after it; connections with nothing to answer are closed at once.
 * A connection closed by its client is no longer waited for by `server.close()`, but the handlers of its requests
 * not yet answered still run (and may still use the database): draining also waits until they have ended their
 * answers.
 */
export class HttpDrain {
  private draining = false;
  private closed = false;
  /**
   * The answer to the last request received on each connection (pipelined requests are answered in order, so the
   * connection has nothing left to answer once that one is finished). With the check for a pipelined request
   * below, the only thing done per request: cheap, as every answer goes through it.
   */
  private readonly latest = new Map<Socket, ServerResponse>();
  /**
   * On a connection with pipelined requests only: the earlier answers not yet ended when a later request came
   * (their handlers run meanwhile; Node sends their answers in order).
   */
  private readonly earlier = new Map<Socket, ServerResponse[]>();
  private readonly sockets = new Set<Socket>();
  /**
   * Answers whose connection closed before they were ended: the client left, but the handler is still at work
   * (and may still use the database), until it ends its answer.
   */
  private readonly abandoned = new Set<ServerResponse>();
  /** Abandoned answers ended while draining: requests whose client left, waited for. */
  private finishedWhileDraining = 0;
  private settle: (() => void) | undefined;

  /** To be attached before the server listens, so that it sees every connection and request. */
  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.closedConnection(socket));
    });
    // First of the request listeners: no answer can start before the request is seen.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
      // Node gives no socket to an answer queued behind one still being sent (a pipelined request): only then is
      // there an earlier answer to keep track of.
      if (response.socket === null) this.queued(socket);
      if (this.draining) {
        // Only the last answer due on a connection closes it: an earlier one, still unsent, keeps it open.
        const previous = this.latest.get(socket);
        if (previous && !previous.headersSent) previous.setHeader('Connection', 'keep-alive');
        response.setHeader('Connection', 'close');
      }
      this.latest.set(socket, response);
    });
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Requests whose client left (its connection closed) before their answer was ended, still being handled. */
  get abandonedRequests(): number {
    return this.abandoned.size;
  }

  /**
   * Stops accepting connections, closes those with nothing to answer at once and each other one right after its
   * last answer; resolves once every connection is closed and every request whose client left has been handled
   * (its handler ended its answer), with the number of those it waited for.
   */
  drain(): Promise<{ abandoned: number }> {
    this.draining = true;
    // Answers not started yet close their connection.
    for (const answer of this.latest.values()) {
      if (!answer.headersSent) answer.setHeader('Connection', 'close');
    }
    return new Promise((resolve) => {
      this.settle = () => {
        if (this.closed && this.abandoned.size === 0) resolve({ abandoned: this.finishedWhileDraining });
      };
      // After the input already waiting in this turn of the event loop is read: a request that had reached a
      // connection when the signal came is then being answered, and its connection is not idle.
      setImmediate(() => {
        this.server.close(() => {
          this.closed = true;
          this.settle?.();
        });
        for (const socket of this.sockets) {
          const answer = this.latest.get(socket);
          if (!answer || answer.writableFinished) this.close(socket);
          else if (answer.getHeader('Connection') !== 'close') {
            // Its head went out saying keep-alive: the connection is closed once that answer is sent, unless
            // another request came meanwhile (whose answer says close).
            answer.once('finish', () => this.latest.get(socket) === answer && this.close(socket));
          }
        }
      });
    });
  }

  /**
   * Cuts every connection still open (past the grace period), answered or not, and stops waiting for requests
   * whose client left.
   */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
    this.abandoned.clear();
    this.settle?.();
  }

  private close(socket: Socket): void {
    if (socket.writableEnded) return;
    // What is still buffered is sent first; the client need not close its side for the connection to end.
    socket.end(() => socket.destroy());
  }

  /** A request pipelined behind the connection's latest one: that one is kept if its answer is not ended. */
  private queued(socket: Socket): void {
    const previous = this.latest.get(socket);
    if (!previous || previous.writableEnded) return;
    const earlier = (this.earlier.get(socket) ?? []).filter((answer) => !answer.writableEnded);
    earlier.push(previous);
    this.earlier.set(socket, earlier);
  }

  private closedConnection(socket: Socket): void {
    this.sockets.delete(socket);
    const answer = this.latest.get(socket);
    this.latest.delete(socket);
    if (answer && !answer.writableEnded) this.abandon(answer);
    const earlier = this.earlier.get(socket);
    if (!earlier) return;
    this.earlier.delete(socket);
    for (const other of earlier) if (!other.writableEnded) this.abandon(other);
  }

  /**
   * Waits for the handler of an answer whose connection closed. Node emits neither `finish` nor `close` when such
   * an answer is ended (`close` came with the connection's), so `end` itself is what tells: it is wrapped, on this
   * answer only, and it still runs through (setting `writableEnded`; nothing is sent).
   */
  private abandon(answer: ServerResponse): void {
    this.abandoned.add(answer);
    const end = answer.end;
    answer.end = ((...args: Parameters<typeof end>) => {
      answer.end = end;
      try {
        return end.apply(answer, args);
      } finally {
        if (this.abandoned.delete(answer) && this.draining) {
          this.finishedWhileDraining++;
          this.settle?.();
        }
      }
    }) as typeof end;
  }
}
