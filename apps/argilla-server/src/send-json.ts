import type { Response } from 'express';

/**
 * A JSON body serialised ahead (a list kept per data version), sent as it is: one buffer, or its parts in order
 * (a large list is kept in parts, never copied into one).
 */
export function sendJson(response: Response, body: Buffer | readonly Buffer[]): void {
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (Buffer.isBuffer(body)) {
    response.send(body);
    return;
  }
  response.setHeader(
    'Content-Length',
    body.reduce((length, part) => length + part.length, 0),
  );
  for (const part of body) response.write(part);
  response.end();
}
