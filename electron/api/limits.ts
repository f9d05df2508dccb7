// Length limits for every string that crosses the API (issue 9 item 17). A renderer, a
// WebSocket client or a node can hand the backend arbitrarily long text; each string schema
// in contract.ts, model.ts and errors.ts is bounded with one of these, and
// test/unit/api/string-limits.test.ts walks every schema of the table and fails on a string
// without a maximum. Browser-safe: zod only.
import { z } from 'zod'

/** Limits in characters (UTF-16 code units, what zod's max() counts). */
export const Limits = {
  /** Connection ids ('c-' + 12 hex) and similar handles, with room to grow. */
  id: 64,
  /** A display name the admin types. */
  label: 100,
  /** RFC 1035: a host name is at most 253 characters; the longest IPv6 text with a zone fits. */
  host: 253,
  /** A password, passphrase or sudo password. */
  secret: 1024,
  /** A file or socket path on the backend's machine (PATH_MAX on Linux). */
  path: 4096,
  /** Names of things: key types, interface names, enum-like values a node reports. */
  name: 128,
  /** 'SHA256:' + 43 base64 characters today; room for other hash names. */
  fingerprint: 128,
  /** An ISO 8601 time stamp. */
  timestamp: 64,
  /** One fact line a node reports (kernel release, OS pretty name, an address). */
  fact: 1024,
  /** A human-readable message or hint (error, log line). */
  message: 8 * 1024,
  /** Captured stderr of a failed command that travels with its error. */
  output: 64 * 1024
} as const

export type LimitName = keyof typeof Limits

/** A string of at most Limits[kind] characters; the message names the field and the limit. */
export function text(kind: LimitName, field = 'value'): z.ZodString {
  const max = Limits[kind]
  return z.string().max(max, `${field} must be at most ${max} characters`)
}

/**
 * Shortens text for an API string field of the given kind, marking the cut, so that a long
 * message from a node (stderr, an exception) still fits the output schema instead of turning
 * the whole reply into a "malformed data" error.
 */
export function clip(s: string, kind: LimitName): string {
  const max = Limits[kind]
  if (s.length <= max) return s
  const mark = ` … [cut at ${max} of ${s.length} characters]`
  return s.slice(0, Math.max(0, max - mark.length)) + mark
}
