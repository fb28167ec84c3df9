/**
 * The console's pages: /console/ and everything under it. Built files are served from memory (the
 * whole console is a few hundred kilobytes); hashed assets are cached for good, the page itself never,
 * and any other path under /console/ is the page (the console routes in the browser). Every answer
 * carries the console's security headers (security-headers.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleBundle, ConsoleFile } from './bundle';
import { CONSOLE_HEADERS } from './security-headers';

function secured(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(CONSOLE_HEADERS)) reply.header(name, value);
  return reply;
}

/** The file, gzipped when the client says it takes gzip. */
function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile): FastifyReply {
  reply.header('vary', 'accept-encoding').type(file.type);
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(file.gzipped);
  return reply.send(file.body);
}

export function registerPages(app: FastifyInstance, bundle: ConsoleBundle): void {
  app.get('/console', async (_request, reply) => secured(reply).redirect('/console/', 302));

  app.get('/console/*', async (request, reply) => {
    secured(reply);
    let files;
    try {
      files = await bundle.files();
    } catch (error) {
      request.log.error({ err: error }, 'the console is not available');
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(`The console is not available: ${(error as Error).message.split('\n')[0]}\nThe server log has the details.\n`);
    }
    const path = (request.params as { '*': string })['*'];
    const file = files.get(path);
    if (file !== undefined && path !== 'index.html') {
      // Vite names assets by their content hash: a changed file is a new name.
      reply.header('cache-control', path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      return send(request, reply, file);
    }
    if (/\.[a-z0-9]+$/i.test(path)) {
      return reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(`No console file ${path}\n`);
    }
    return send(request, reply.header('cache-control', 'no-store'), files.get('index.html') as ConsoleFile);
  });
}
