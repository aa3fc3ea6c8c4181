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
  /**
   * The answer to the last request received on each connection (pipelined requests are answered in order, so the
   * connection has nothing left to answer once that one is finished). The only thing done per request: cheap,
   * as every answer goes through it.
   */
  private readonly latest = new Map<Socket, ServerResponse>();
  private readonly sockets = new Set<Socket>();

  /** To be attached before the server listens, so that it sees every connection and request. */
  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.latest.delete(socket);
      });
    });
    // First of the request listeners: no answer can start before the request is seen.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
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

  /**
   * Stops accepting connections, closes those with nothing to answer at once and each other one right after its
   * last answer; resolves once every connection is closed.
   */
  drain(): Promise<void> {
    this.draining = true;
    // Answers not started yet close their connection.
    for (const answer of this.latest.values()) {
      if (!answer.headersSent) answer.setHeader('Connection', 'close');
    }
    return new Promise<void>((resolve) =>
      // After the input already waiting in this turn of the event loop is read: a request that had reached a
      // connection when the signal came is then being answered, and its connection is not idle.
      setImmediate(() => {
        this.server.close(() => resolve());
        for (const socket of this.sockets) {
          const answer = this.latest.get(socket);
          if (!answer || answer.writableFinished) this.close(socket);
          else if (answer.getHeader('Connection') !== 'close') {
            // Its head went out saying keep-alive: the connection is closed once that answer is sent, unless
            // another request came meanwhile (whose answer says close).
            answer.once('finish', () => this.latest.get(socket) === answer && this.close(socket));
          }
        }
      }),
    );
  }

  /** Cuts every connection still open (past the grace period), answered or not. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private close(socket: Socket): void {
    if (socket.writableEnded) return;
    // What is still buffered is sent first; the client need not close its side for the connection to end.
    socket.end(() => socket.destroy());
  }
}
