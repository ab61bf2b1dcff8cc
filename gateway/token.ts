// Prints a dev JWT for a user: `npx tsx gateway/token.ts alice` (what `make token USER=alice`
// runs). Signed HS256 with JWT_SECRET, or the local-only default secret when it is unset.
import { signDevToken, USER_ID } from './auth.js';
import { loadConfig } from './config.js';

const [userId, expiresIn = '12h'] = process.argv.slice(2);
if (!userId || !USER_ID.test(userId)) {
  process.stderr.write('usage: tsx gateway/token.ts <userId> [expiresIn, e.g. 12h]\n');
  process.exit(2);
}
const { jwt } = loadConfig();
const token = await signDevToken(userId, jwt.secret, {
  expiresIn,
  ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
  ...(jwt.audience ? { audience: jwt.audience } : {}),
});
process.stdout.write(`${token}\n`);
