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
 */
export class HttpDrain {
  private draining = false;
  /** Requests received and not yet answered, per connection (more than one when a client pipelines). */
  private readonly unanswered = new Map<Socket, number>();
  /** The answer to the last request received on each connection. */
  private readonly latest = new Map<Socket, ServerResponse>();
  private readonly sockets = new Set<Socket>();

  /** To be attached before the server listens, so that it sees every connection and request. */
  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.unanswered.delete(socket);
        this.latest.delete(socket);
      });
    });
    // First of the request listeners: no answer can start before the request is counted.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
      this.track(request.socket, response),
    );
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting connections, closes those with nothing to answer at once and each other one right after its
   * last answer; resolves once every connection is closed.
   */
  drain(): Promise<void> {
    this.draining = true;
    return new Promise<void>((resolve) =>
      // After the input already waiting in this turn of the event loop is read: a request that had reached a
      // connection when the signal came is then being answered, and its connection is not idle.
      setImmediate(() => {
        this.server.close(() => resolve());
        for (const socket of this.sockets) this.closeIfIdle(socket);
      }),
    );
  }

  /** Cuts every connection still open (past the grace period), answered or not. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private track(socket: Socket, response: ServerResponse): void {
    this.unanswered.set(socket, (this.unanswered.get(socket) ?? 0) + 1);
    this.latest.set(socket, response);
    const writeHead = response.writeHead;
    // Decided when the head is written, not when the request arrives: draining may have begun in between. An
    // answer to a pipelined request is queued behind the earlier ones, but its head may be written before theirs.
    response.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
      if (this.draining && this.latest.get(socket) === response) response.setHeader('Connection', 'close');
      return writeHead.apply(response, args);
    }) as ServerResponse['writeHead'];
    response.once('close', () => {
      const left = (this.unanswered.get(socket) ?? 1) - 1;
      if (left > 0) this.unanswered.set(socket, left);
      else this.unanswered.delete(socket);
      // An answer whose head was written before draining began left its connection open.
      if (this.draining) this.closeIfIdle(socket);
    });
  }

  private closeIfIdle(socket: Socket): void {
    if (this.unanswered.has(socket) || socket.writableEnded) return;
    // What is still buffered is sent first; the client need not close its side for the connection to end.
    socket.end(() => socket.destroy());
  }
}
