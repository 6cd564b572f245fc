// A real OpenID Provider (oidc-provider, the certified Node implementation) on loopback for the
// single sign-on tests. It is an ES module, so it runs as its own process: jest's CommonJS set-up
// cannot load it. Its client and accounts come from the environment; it prints its issuer as one
// JSON line once it listens. The accounts' claims are released with the profile scope; any
// password signs an account in (the provider's development login form).
import http from 'node:http';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], profile: ['name', 'veesion_role', 'veesion_stores'] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, ...(accounts[id] ?? {}) }) }),
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
});
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
