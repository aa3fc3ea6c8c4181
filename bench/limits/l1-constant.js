'use strict';
// L1: the floor of the HTTP stack. A bare Node `http` server that answers GET /api/me with a constant JSON body
// once the X-Argilla-Api-Key header equals the one known key; no database, no framework.
// Environment: PORT, API_KEY, BODY (the JSON to answer). Listens on 127.0.0.1 only.
const http = require('node:http');

const port = Number(process.env.PORT);
const apiKey = process.env.API_KEY;
const body = Buffer.from(process.env.BODY || '{}');
const unauthorized = Buffer.from(JSON.stringify({ detail: 'Could not validate credentials' }));

if (!Number.isInteger(port) || port <= 0 || !apiKey) {
  process.stderr.write('PORT and API_KEY are required\n');
  process.exit(1);
}

function send(res, status, payload) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  res.end(payload);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/api/me') return send(res, 404, Buffer.from('{"detail":"Not Found"}'));
  if (req.headers['x-argilla-api-key'] !== apiKey) return send(res, 401, unauthorized);
  send(res, 200, body);
});

server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
