/**
 * POST /auth {username, password, serveraddress}: check the credentials against the registry
 * and store nothing (as dockerd; clients keep them). 200 {"IdentityToken":"","Status":"Login
 * Succeeded"}; refused credentials are a 401 in Docker's words ("login attempt to URL failed
 * with status: 401 Unauthorized"). Without serveraddress the registry is Docker Hub.
 */
import { STATUS_CODES } from 'node:http';
import { checkLogin, isBerthError } from '../../../src/index.js';
import { ApiError, errorMessage } from '../errors.js';
import { readJSON, sendJSON } from '../json.js';
import type { RequestContext } from '../route.js';
import { authConfigOf, credentialsOf, serverHost } from './registry-auth.js';
import { transferError } from './errors.js';
import { isLoopbackRegistry } from './access.js';

export async function authHandler(ctx: RequestContext): Promise<void> {
  const config = authConfigOf(await readJSON(ctx.req, 64 << 10));
  if (!config) throw new ApiError(400, 'invalid JSON: expected an object with username, password and serveraddress');
  const host = serverHost(config.serveraddress ?? '');
  try {
    await checkLogin(host, { credentials: credentialsOf(config), ...(isLoopbackRegistry(host) ? { tlsVerify: false } : {}) });
  } catch (e) {
    if (isBerthError(e, 'UNAUTHORIZED')) {
      const status = typeof e.data?.status === 'number' ? e.data.status : 401;
      const url = typeof e.data?.url === 'string' ? e.data.url : `https://${host}/v2/`;
      throw new ApiError(401, `login attempt to ${url} failed with status: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd());
    }
    if (isBerthError(e, 'INVALID_ARGUMENT')) throw new ApiError(400, errorMessage(e));
    throw transferError(e);
  }
  sendJSON(ctx.res, 200, { IdentityToken: '', Status: 'Login Succeeded' });
}
