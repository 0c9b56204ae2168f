// A real OpenID Connect provider (npm oidc-provider, certified) for Buurtbeeld's sign-in tests.
//
//   node provider.js PORT REDIRECT_URI POST_LOGOUT_URI
//
// Prints "klaar <issuer>" on stdout when it listens on 127.0.0.1:PORT. Sign-in uses the
// provider's own development login and consent forms (any password is accepted); the accounts
// below carry a "roles" claim (scope "roles") for the role-mapping tests.
//
// Every client has the secret "geheim-voor-tests". The client "buurtbeeld" behaves normally.
// The other clients are the same provider misbehaving in one way each, as an attacker or a
// broken identity provider would: the token endpoint's id_token is changed after the provider
// issued it (re-signed with the provider's own key, so only the named defect remains; the
// "vervalst" client's token keeps its original signature over a changed payload).
import { generateKeyPair, exportJWK, importJWK, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
if (!port || !redirectUri || !postLogoutUri) {
  console.error('gebruik: node provider.js PORT REDIRECT_URI POST_LOGOUT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  anna: { name: 'Anna de Vries', roles: ['bb-beheer'] },
  bram: { name: 'Bram Jansen', roles: ['bb-lezen', 'iets-anders'] },
  carla: { name: 'Carla Smit', roles: ['iets-anders'] },
};

const MISBEHAVIOUR = {
  'bb-verlopen': (claims) => ({ ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 }),
  'bb-andere-aud': (claims) => ({ ...claims, aud: 'een-andere-toepassing' }),
  'bb-andere-nonce': (claims) => ({ ...claims, nonce: 'een-andere-nonce' }),
  'bb-andere-uitgever': (claims) => ({ ...claims, iss: 'http://127.0.0.1:9/nep' }),
};
const CLIENT_IDS = ['buurtbeeld', 'bb-vervalst', ...Object.keys(MISBEHAVIOUR)];

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'sleutel-1', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(jwk, 'RS256');

const provider = new Provider(issuer, {
  clients: CLIENT_IDS.map((clientId) => ({
    client_id: clientId,
    client_secret: 'geheim-voor-tests',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  jwks: { keys: [jwk] },
  scopes: ['openid', 'profile', 'email', 'roles'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], roles: ['roles'] },
  conformIdTokenClaims: false, // scope claims (name, roles) in the id_token, as Entra ID does
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['cookie-sleutel-voor-tests'] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, preferred_username: id, roles: account.roles };
      },
    };
  },
});

provider.use(async (ctx, next) => {
  await next();
  const clientId = ctx.oidc?.client?.clientId;
  if (ctx.path !== '/token' || !ctx.body?.id_token || !clientId) return;
  const token = ctx.body.id_token;
  if (clientId === 'bb-vervalst') {
    const [header, , signature] = token.split('.');
    const claims = { ...decodeJwt(token), roles: ['bb-beheer', 'vervalst'], sub: 'anna' };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    ctx.body = { ...ctx.body, id_token: `${header}.${payload}.${signature}` };
  } else if (MISBEHAVIOUR[clientId]) {
    const claims = MISBEHAVIOUR[clientId](decodeJwt(token));
    const header = decodeProtectedHeader(token);
    const resigned = await new SignJWT(claims).setProtectedHeader(header).sign(signingKey);
    ctx.body = { ...ctx.body, id_token: resigned };
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`klaar ${issuer}`);
});
