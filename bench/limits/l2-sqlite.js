'use strict';
// L2 on SQLite: GET /api/me through better-sqlite3 (synchronous, one connection; SQLite has no pool) on the same
// database file: one prepared statement by API key (the user row plus its workspace names in membership order;
// an admin gets every workspace, as the server answers), and the same JSON.
// Environment: PORT, SQLITE_PATH. Listens on 127.0.0.1 only.
const http = require('node:http');
const Database = require('better-sqlite3');

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || !process.env.SQLITE_PATH) {
  process.stderr.write('PORT and SQLITE_PATH are required\n');
  process.exit(1);
}

const db = new Database(process.env.SQLITE_PATH, { fileMustExist: true });
db.pragma('busy_timeout = 5000');

// Timestamps are stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC, as Argilla writes them), ids as 32 hex digits.
const meByApiKey = db.prepare(`
  SELECT u.id, u.first_name, u.last_name, u.username, u.role, u.api_key,
         replace(u.inserted_at, ' ', 'T') AS inserted_at,
         replace(u.updated_at, ' ', 'T') AS updated_at,
         CASE WHEN u.role = 'admin' THEN
           (SELECT json_group_array(w.name ORDER BY w.inserted_at, w.name) FROM workspaces w)
         ELSE
           (SELECT json_group_array(w.name ORDER BY wu.inserted_at)
              FROM workspaces_users wu JOIN workspaces w ON w.id = wu.workspace_id
             WHERE wu.user_id = u.id)
         END AS workspaces
    FROM users u
   WHERE u.api_key = ?`);

const unauthorized = Buffer.from(JSON.stringify({ detail: 'Could not validate credentials' }));

function send(res, status, payload) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  res.end(payload);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/api/me') return send(res, 404, Buffer.from('{"detail":"Not Found"}'));
  const apiKey = req.headers['x-argilla-api-key'];
  if (typeof apiKey !== 'string' || apiKey === '') return send(res, 401, unauthorized);
  let row;
  try {
    row = meByApiKey.get(apiKey);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return send(res, 500, Buffer.from('{"detail":"Internal Server Error"}'));
  }
  if (!row) return send(res, 401, unauthorized);
  const id = row.id;
  const user = {
    id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    first_name: row.first_name,
    ...(row.last_name !== null ? { last_name: row.last_name } : {}),
    full_name: row.last_name !== null ? `${row.first_name} ${row.last_name}` : row.first_name,
    username: row.username,
    role: row.role,
    workspaces: JSON.parse(row.workspaces),
    api_key: row.api_key,
    inserted_at: row.inserted_at,
    updated_at: row.updated_at,
  };
  send(res, 200, Buffer.from(JSON.stringify(user)));
});

server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
