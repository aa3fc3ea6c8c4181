/* global process, Buffer, URL */
// A real OpenID provider for the single sign-on suites: panva's oidc-provider (certified), on 127.0.0.1.
//
//   node test/support/oidc-provider.mjs <port> <redirect_uri>...
//
// Prints `READY <issuer>` once it listens. Besides the provider's own endpoints it serves:
// - GET /interaction/<uid>?account=<id>: the login and consent steps, answered without a page (the test is the user);
// - PUT /__accounts/<id> (JSON): the claims of account <id> from now on (`sub` is the id).
// Clients: `argilla` (secret `argilla-secret`) behaves; `wrong-aud`, `wrong-nonce`, `expired` and `unsigned` (same
// secret) get ID tokens changed after the provider issued them, as a broken or hostile provider would send them.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

const [port, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const SECRET = 'argilla-secret';
const TAMPERED = ['wrong-aud', 'wrong-nonce', 'expired', 'unsigned'];

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const accounts = new Map();

const provider = new Provider(issuer, {
  clients: ['argilla', ...TAMPERED].map((clientId) => ({
    client_id: clientId,
    client_secret: SECRET,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
  pkce: { required: () => true },
  // The claims go into the ID token itself (the server reads no userinfo).
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'name', 'given_name', 'family_name'],
    groups: ['groups'],
    roles: ['roles'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ ...(accounts.get(id) ?? {}), sub: id }),
  }),
});

// After the provider answers the token request: the ID token of a tampered client is changed and signed again.
provider.use(async (ctx, next) => {
  await next();
  const clientId = ctx.oidc?.client?.clientId;
  if (ctx.path !== '/token' || ctx.status !== 200 || !TAMPERED.includes(clientId) || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const header = decodeProtectedHeader(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  if (clientId === 'unsigned') {
    const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    ctx.body = { ...ctx.body, id_token: `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.` };
    return;
  }
  if (clientId === 'wrong-aud') claims.aud = 'someone-else';
  if (clientId === 'wrong-nonce') claims.nonce = 'not-the-nonce-of-this-sign-in';
  if (clientId === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid }).sign(privateKey);
  ctx.body = { ...ctx.body, id_token: idToken };
});

const callback = provider.callback();

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    // A browser (the browser suite) sends no account: it is the account `browser-user`.
    const accountId = url.searchParams.get('account') ?? 'browser-user';
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  // Consent: everything the client asked for.
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = createServer((req, res) => {
  const url = new URL(req.url, issuer);
  const accountPath = /^\/__accounts\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'PUT' && accountPath) {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      accounts.set(decodeURIComponent(accountPath[1]), JSON.parse(body));
      res.writeHead(204).end();
    });
    return;
  }
  if (req.method === 'GET' && /^\/interaction\/[^/]+$/.test(url.pathname)) {
    interaction(req, res, url).catch((error) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error?.stack ?? error));
    });
    return;
  }
  callback(req, res);
});

server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`READY ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
