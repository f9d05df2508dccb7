// Errors that cross the API: plain values a person can act on (what failed, where, why,
// what to do). Browser-safe: zod only.
import { z } from 'zod'
import { text } from './limits'
import { SshErrorKindSchema } from './model'

export const ApiErrorKindSchema = z.enum([...SshErrorKindSchema.options, 'not-found', 'conflict', 'internal'])
// 'conflict': the request collides with what exists (a VRID in use, a node already in another cluster, a name taken).

export const ApiErrorSchema = z.object({
  kind: ApiErrorKindSchema,
  /** What failed and why, in one sentence. */
  message: text('message', 'message'),
  /** What to do about it. */
  hint: text('message', 'hint').optional(),
  /** The node (host) it concerns, if any. */
  node: text('host', 'node').optional(),
  /** For invalid-input: the first offending field path, e.g. 'port' or 'auth.password'. */
  field: text('name', 'field').optional()
})

export type ApiErrorKind = z.infer<typeof ApiErrorKindSchema>
export type ApiError = z.infer<typeof ApiErrorSchema>

/** What a client call rejects with: carries the ApiError value unchanged. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError'
  readonly error: ApiError

  constructor(error: ApiError, readonly method?: string) {
    super(error.message)
    this.error = error
  }

  get kind(): ApiErrorKind {
    return this.error.kind
  }

  get hint(): string | undefined {
    return this.error.hint
  }
}

/**
 * Thrown inside the backend when it wants a specific ApiError to reach the caller
 * (e.g. 'not-found'); dispatch() turns it into the error value.
 */
export class ApiException extends Error {
  readonly error: ApiError
  constructor(error: ApiError) {
    super(error.message)
    this.error = error
  }
}

export function apiError(kind: ApiErrorKind, message: string, extra: Omit<ApiError, 'kind' | 'message'> = {}): ApiError {
  return { kind, message, ...extra }
}

/** Turns zod issues into one readable invalid-input error naming the field(s): "port: port must be 1..65535". */
export function invalidInput(method: string, issues: readonly z.ZodIssue[]): ApiError {
  const parts = issues.slice(0, 5).map((i) => {
    const path = i.path.join('.')
    if (!path) return i.message
    // Schemas often repeat the field name ("port must be 1..65535"); say it once: "port: must be 1..65535".
    const last = String(i.path[i.path.length - 1])
    const msg = i.message.toLowerCase().startsWith(last.toLowerCase() + ' ') ? i.message.slice(last.length + 1) : i.message
    return `${path}: ${msg}`
  })
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
  const first = issues[0]
  return {
    kind: 'invalid-input',
    message: `Invalid input for ${method}: ${parts.join('; ')}${more}`,
    hint: 'Correct the named field and try again.',
    ...(first && first.path.length > 0 ? { field: first.path.join('.') } : {})
  }
}
