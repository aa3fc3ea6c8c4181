'use strict';
// L2: what Node and `pg` can physically do for GET /api/me. A bare Node `http` server that, per request, runs one
// prepared query by API key (the user row plus the names of its workspaces in membership order; an admin gets
// every workspace, as the server answers) on a pg Pool of the server's default size, and writes the same JSON.
// Environment: PORT, DATABASE_URL, POOL_SIZE (default 10). Listens on 127.0.0.1 only.
const http = require('node:http');
const { Pool } = require('pg');

const port = Number(process.env.PORT);
const poolSize = Number(process.env.POOL_SIZE || 10);
if (!Number.isInteger(port) || port <= 0 || !process.env.DATABASE_URL) {
  process.stderr.write('PORT and DATABASE_URL are required\n');
  process.exit(1);
}

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: poolSize });

const ME_BY_API_KEY = {
  name: 'me_by_api_key',
  text: `
    SELECT u.id, u.first_name, u.last_name, u.username, u.role, u.api_key,
           to_char(u.inserted_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS inserted_at,
           to_char(u.updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS updated_at,
           CASE WHEN u.role = 'admin' THEN
             (SELECT coalesce(json_agg(w.name ORDER BY w.inserted_at, w.name), '[]'::json) FROM workspaces w)
           ELSE
             (SELECT coalesce(json_agg(w.name ORDER BY wu.inserted_at), '[]'::json)
                FROM workspaces_users wu JOIN workspaces w ON w.id = wu.workspace_id
               WHERE wu.user_id = u.id)
           END AS workspaces
      FROM users u
     WHERE u.api_key = $1`,
};

const unauthorized = Buffer.from(JSON.stringify({ detail: 'Could not validate credentials' }));

function send(res, status, payload) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  res.end(payload);
}

function toResponse(row) {
  return {
    id: row.id,
    first_name: row.first_name,
    ...(row.last_name !== null ? { last_name: row.last_name } : {}),
    full_name: row.last_name !== null ? `${row.first_name} ${row.last_name}` : row.first_name,
    username: row.username,
    role: row.role,
    workspaces: row.workspaces,
    api_key: row.api_key,
    inserted_at: row.inserted_at,
    updated_at: row.updated_at,
  };
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/api/me') return send(res, 404, Buffer.from('{"detail":"Not Found"}'));
  const apiKey = req.headers['x-argilla-api-key'];
  if (typeof apiKey !== 'string' || apiKey === '') return send(res, 401, unauthorized);
  pool.query({ ...ME_BY_API_KEY, values: [apiKey] }).then(
    ({ rows }) => {
      if (rows.length === 0) return send(res, 401, unauthorized);
      send(res, 200, Buffer.from(JSON.stringify(toResponse(rows[0]))));
    },
    (error) => {
      process.stderr.write(`${error.message}\n`);
      send(res, 500, Buffer.from('{"detail":"Internal Server Error"}'));
    },
  );
});

server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => pool.end().finally(() => process.exit(0)));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
