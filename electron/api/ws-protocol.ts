// The browser-mode WebSocket wire format, shared by electron/web/server.ts and
// renderer/src/services/api.ts. Zod-free and DOM/Node-free on purpose.
import type { ApiResultEnvelope } from './names'

/** Path of the WebSocket endpoint and of the HTTP token check. */
export const WS_PATH = '/api'
/** GET with `Authorization: Bearer <token>`: 200 if the token is right, 401 otherwise. */
export const SESSION_PATH = '/api/session'
/** Sub-protocol the server selects. */
export const WS_PROTOCOL = 'havip.v1'
/**
 * The token travels as a second offered sub-protocol ("havip.token.<token>"): browsers cannot
 * set headers on a WebSocket, a query string ends up in logs, and this lets the server refuse
 * the upgrade itself (HTTP 401) before any frame is exchanged. base64url characters are all
 * valid in a Sec-WebSocket-Protocol token (RFC 6455 §4.1, RFC 7230 §3.2.6).
 */
export const WS_TOKEN_PREFIX = 'havip.token.'

export type ClientMessage = { t: 'call'; id: number; method: string; input: unknown }

export type ServerMessage =
  | ({ t: 'result'; id: number } & ApiResultEnvelope)
  | { t: 'event'; event: string; payload: unknown }

/** WebSocket close codes the server uses (4000-4999 are for applications, RFC 6455 §7.4.2). */
export const CloseCodes = {
  protocolError: 4400,
  unauthorized: 4401,
  shuttingDown: 4503
} as const
