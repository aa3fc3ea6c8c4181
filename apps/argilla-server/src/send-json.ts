import type { Response } from 'express';

/** A JSON body serialised ahead (a list kept per data version), sent as it is. */
export function sendJson(response: Response, body: Buffer): void {
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.send(body);
}
