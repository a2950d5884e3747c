import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminService } from '../../application/admin/admin-service.js';
import type { Logger } from '../../application/ports.js';
import type { AdminAssets } from './admin-assets.js';
import { bearerToken, type AdminTokens } from './admin-tokens.js';

export interface AdminRoutesDeps {
  readonly service: Pick<AdminService, 'state' | 'command'>;
  readonly tokens: AdminTokens;
  readonly assets: AdminAssets;
  readonly logger: Logger;
}

/** The page may only talk to this origin, run its own files and never be framed (its buttons restart workers). */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * /admin: the page and its files are public (they hold no data); everything
 * under /admin/api wants `Authorization: Bearer <token>`, which the page
 * sends once the operator typed the token into its form. Each use is logged
 * with the token's name; the data never comes without it.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const log = deps.logger;
  const page = deps.assets.get('index.html');
  if (!page) throw new Error('admin page missing from the assets');
  const sendPage = async (_req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    reply.headers({ ...PAGE_HEADERS, 'cache-control': 'no-store' }).type(page.type).send(page.body);
  app.get('/admin', sendPage);
  app.get('/admin/', sendPage);
  for (const [name, asset] of deps.assets) {
    if (name === 'index.html') continue;
    app.get(`/admin/${name}`, async (_req, reply) =>
      reply.headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }).type(asset.type).send(asset.body));
  }

  // Every API route sits behind one hook: a request without the right token
  // is answered 401 before anything of it is parsed or validated.
  void app.register(async (api) => {
    const names = new WeakMap<FastifyRequest, string>();
    const who = (req: FastifyRequest): string => names.get(req) ?? 'unknown';
    api.addHook('onRequest', async (req, reply) => {
      const name = deps.tokens.match(bearerToken(req.headers.authorization));
      if (name === undefined) {
        log.warn({ ip: req.ip, path: req.url.split('?')[0] }, 'admin request refused: missing or wrong token');
        return reply.code(401).headers({ 'www-authenticate': 'Bearer realm="activestack-gateway admin"', 'cache-control': 'no-store' })
          .send({ error: 'a valid admin token is needed' });
      }
      names.set(req, name);
      void reply.header('cache-control', 'no-store');
    });

    api.post('/login', async (req) => {
      log.info({ admin: who(req), ip: req.ip }, 'admin signed in');
      return { name: who(req) };
    });

    api.get<{ Querystring: { since?: number } }>(
      '/state',
      { schema: { querystring: { type: 'object', properties: { since: { type: 'integer', minimum: 0 } }, additionalProperties: false } } },
      async (req) => {
        log.debug({ admin: who(req) }, 'admin state read');
        return deps.service.state(req.query.since ?? 0);
      },
    );

    api.post<{ Body: { line: string } }>(
      '/command',
      {
        schema: {
          body: { type: 'object', required: ['line'], properties: { line: { type: 'string', minLength: 1, maxLength: 1024 } }, additionalProperties: false },
        },
      },
      async (req, reply) => {
        const result = await deps.service.command(req.body.line, who(req));
        const status = result.failure === 'not-a-command' ? 400 : result.failure === 'channel-unavailable' ? 503 : 200;
        return reply.code(status).send(result);
      },
    );
  }, { prefix: '/admin/api' });
}
