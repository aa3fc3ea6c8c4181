/**
 * The page at the default redirect URI: completes the sign-in in the browser (the state cookie goes with its
 * request) and shows who signed in, the token for the Swagger UI and where the API key is. Everything is inline,
 * under a CSP that allows this page's own script and style (by nonce) and requests to this server only.
 */
export function callbackPage(provider: string, baseUrl: string, nonce: string): string {
  const config = JSON.stringify({ provider, baseUrl }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Signing in…</title>
<style nonce="${nonce}">
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
textarea { width: 100%; height: 6rem; font-family: monospace; }
code { background: #f2f2f2; padding: 0 .2rem; }
.error { color: #a00; }
[hidden] { display: none; }
</style>
</head>
<body>
<h1 id="title">Signing in…</h1>
<p id="error" class="error" hidden></p>
<div id="done" hidden>
<p>Signed in as <strong id="username"></strong> (<span id="role"></span>).</p>
<p>Your token for the Swagger UI (<a id="docs" href="#">API docs</a>, <em>Authorize</em>, <em>bearer</em>), valid until
<span id="expires"></span>:</p>
<textarea id="token" readonly></textarea>
<p>For Argilla's Python client, use your API key: <code>GET /api/me</code> with this token shows it as
<code>api_key</code>, and <code>POST /api/v1/me/api-key</code> replaces it.</p>
</div>
<script nonce="${nonce}">
(function () {
  var config = ${config};
  var query = window.location.search;
  // The code is used once, here: it should not stay in the history.
  window.history.replaceState(null, '', window.location.pathname);
  function show(id, text) { var node = document.getElementById(id); node.textContent = text; node.hidden = false; }
  function fail(text) { document.getElementById('title').textContent = 'Sign-in failed'; show('error', text); }
  fetch(config.baseUrl + 'api/v1/oauth2/providers/' + encodeURIComponent(config.provider) + '/access-token' + query, {
    credentials: 'same-origin', headers: { Accept: 'application/json' }
  }).then(function (response) {
    return response.json().then(function (body) {
      if (!response.ok) {
        var detail = body && body.detail && body.detail.params && body.detail.params.detail;
        throw new Error((detail || 'The server refused the sign-in') + ' (' + response.status + ')');
      }
      return body.access_token;
    });
  }).then(function (token) {
    return fetch(config.baseUrl + 'api/me', { headers: { Authorization: 'Bearer ' + token } }).then(function (response) {
      if (!response.ok) throw new Error('The token was refused (' + response.status + ')');
      return response.json().then(function (me) { return { token: token, me: me }; });
    });
  }).then(function (result) {
    var claims = JSON.parse(atob(result.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    document.getElementById('title').textContent = 'Signed in';
    document.getElementById('username').textContent = result.me.username;
    document.getElementById('role').textContent = result.me.role;
    document.getElementById('expires').textContent = new Date(claims.exp * 1000).toISOString();
    document.getElementById('token').value = result.token;
    document.getElementById('docs').href = config.baseUrl + 'api/docs';
    document.getElementById('done').hidden = false;
  }).catch(function (error) { fail(error.message); });
})();
</script>
</body>
</html>
`;
}
