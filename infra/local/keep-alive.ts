import type { Server } from 'node:http';

/**
 * Local servers never close an idle keep-alive connection themselves. Node closes one after
 * 5 s by default and tells the client so in a `Keep-Alive: timeout=5` header; fetch (undici)
 * then keeps it 4 s. On a loaded machine the client's timer fires late, reuses the socket as
 * the server destroys it, and the request fails with ECONNRESET ("fetch failed") before the
 * gateway ever sees it: tests that began with a request after 5 s of quiet failed this way.
 * With the timeout off, the server sends no hint, the client closes idle sockets on its own
 * clock, and stop() closes what is left (closeAllConnections).
 */
export function keepIdleConnections<T extends Server>(server: T): T {
  server.keepAliveTimeout = 0;
  return server;
}
