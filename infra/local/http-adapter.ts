import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Bucket, type RateLimit, takeToken } from '../../shared/domain/rate-limit';
import { type EntryPoint, entryPoints, type Route, routeAccess, routeKey } from '../entry-points';
import { keepIdleConnections } from './keep-alive';
import { lambdaContext } from './lambda-context';

/**
 * Serves the Lambda handlers over HTTP on this machine, the way API Gateway's HTTP API
 * (payload format 2.0) would: the same handler modules, the same routes (from
 * entry-points.ts), events shaped like the real ones.
 */
export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute {
  readonly route: Route;
  readonly entry: EntryPoint;
  readonly pattern: RegExp;
  readonly params: string[];
  /** Has a `{name+}` variable: API Gateway tries it only when no other route matches. */
  readonly greedy: boolean;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES =
  /^(application\/([\w.+-]*\+)?json|application\/x-www-form-urlencoded|text\/|application\/xml)/i;

function compile(entry: EntryPoint, route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      // API Gateway's greedy variable `{name+}`: the rest of the path, slashes included.
      return m[2] === '+' ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, entry, pattern: new RegExp(`^${source}$`), params, greedy: route.path.includes('+}') };
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The route's parameters, percent-decoded; undefined when a `%` is not a valid escape. */
function decodePathParameters(names: readonly string[], values: readonly string[]) {
  try {
    return Object.fromEntries(names.map((p, i) => [p, decodeURIComponent(values[i]!)]));
  } catch {
    return undefined;
  }
}

export function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  matched: CompiledRoute,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  // Payload 2.0 moves the Cookie header to `cookies`, one entry per cookie.
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const key = routeKey(matched.route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

export interface LocalApi {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

export interface LocalApiOptions {
  readonly host?: string;
  readonly port?: number;
  /** Loads an entry point's handler; by default, imports the entry file. */
  readonly load?: (entry: EntryPoint) => Promise<LambdaHandler>;
  /** Local-only routes (the index page, the local outboxes), tried after the gateway's. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /**
   * The route throttles the construct puts on the HTTP API stage
   * (`publicThrottle`, `authenticatedThrottle`), applied the same way: one token bucket per
   * route key, a 429 `{"message":"Too Many Requests"}` without Retry-After when it is empty.
   * Off when absent (tests and `npm start` send faster than any deployed limit).
   */
  readonly throttle?: { readonly public: RateLimit; readonly authenticated: RateLimit };
}

const defaultLoad = async (entry: EntryPoint): Promise<LambdaHandler> => {
  const mod = (await import(new URL(`../../${entry.entry}`, import.meta.url).href)) as {
    handler: LambdaHandler;
  };
  return mod.handler;
};

export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
  const routes = entryPoints.flatMap((entry) => entry.routes.map((route) => compile(entry, route)));
  const load = options.load ?? defaultLoad;
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const buckets = new Map<string, Bucket>();
  /** False when the route's bucket is empty (the request is then refused as API Gateway does). */
  const admit = (route: Route): boolean => {
    if (options.throttle === undefined) return true;
    const key = routeKey(route);
    const decision = takeToken(buckets.get(key), Date.now(), options.throttle[routeAccess(route)]);
    buckets.set(key, decision.bucket);
    return decision.allowed;
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const method = req.method ?? 'GET';
      // As API Gateway: a route without a greedy variable wins over one with it.
      const matching = routes.filter((r) => r.pattern.test(url.pathname));
      const exact = matching.filter((r) => !r.greedy);
      const candidates = exact.some((r) => r.route.method === method) ? exact : matching;
      const matched = candidates.find((r) => r.route.method === method);
      if (!matched) {
        if (options.extra && (await options.extra(req, res, url))) return;
        res.writeHead(candidates.length > 0 ? 405 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: candidates.length > 0 ? 'Method Not Allowed' : 'Not Found' }));
        return;
      }
      if (!admit(matched.route)) {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Too Many Requests' }));
        return;
      }
      const values = matched.pattern.exec(url.pathname)!.slice(1);
      const pathParameters = decodePathParameters(matched.params, values);
      if (pathParameters === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Bad Request: malformed percent-encoding in the path' }));
        return;
      }
      const body = await readBody(req);
      if (body === 'too_large') {
        // The rest of the body is still on the wire: close the connection rather than read it as the next request.
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
        return;
      }
      let handler = handlers.get(matched.entry.id);
      if (!handler) {
        handler = load(matched.entry);
        handlers.set(matched.entry.id, handler);
      }
      const result = await (await handler)(
        toEvent(req, url, body, matched, pathParameters),
        lambdaContext(matched.entry.id),
      );
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      // Payload 2.0's `cookies`: one Set-Cookie header each, as API Gateway writes them.
      if (result.cookies !== undefined && result.cookies.length > 0)
        res.setHeader('set-cookie', result.cookies);
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(
        result.body === undefined
          ? undefined
          : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
      );
    } catch (error) {
      // API Gateway answers this when the function itself fails.
      console.error('local api: handler failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    keepIdleConnections(server).listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
