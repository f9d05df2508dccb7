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

/**
 * Largest message (one WebSocket message, after reassembly of its frames) the server accepts
 * from a client. API inputs are small: the largest legitimate one is a connect request with a
 * key path and secrets, a few KiB (see electron/api/limits.ts). A larger message closes the
 * connection with 1009 (messageTooBig) before it is buffered whole.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024

/** WebSocket close codes the server uses (4000-4999 are for applications, RFC 6455 §7.4.2). */
export const CloseCodes = {
  /** RFC 6455 §7.4.1: a data type the endpoint cannot accept (the protocol is text JSON only; a binary frame). */
  unsupportedData: 1003,
  /** RFC 6455 §7.4.1: a message larger than MAX_CLIENT_MESSAGE_BYTES. */
  messageTooBig: 1009,
  protocolError: 4400,
  unauthorized: 4401,
  shuttingDown: 4503
} as const
