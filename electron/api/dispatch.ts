// The one entry point both transports (Electron IPC, browser-mode WebSocket) use to reach the
// backend. Arguments are validated HERE, at the boundary, against the contract's schemas, so a
// compromised renderer or a hostile WebSocket client cannot hand the backend unchecked data.
import { apiMethods, type ApiHandlers, type ApiMethod } from './contract'
import { ApiException, invalidInput, type ApiError } from './errors'
import { isApiMethodName, type ApiResultEnvelope } from './names'

export interface DispatchTarget {
  readonly handlers: ApiHandlers
  /** Turns whatever a handler threw into an error value (the backend knows SshError etc.). */
  toApiError(err: unknown, method: ApiMethod): ApiError
}

export async function dispatch(target: DispatchTarget, method: unknown, rawInput: unknown): Promise<ApiResultEnvelope> {
  // A Set lookup, not `method in apiMethods`: names like '__proto__' or 'constructor' must not resolve.
  if (!isApiMethodName(method)) {
    const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : typeof method
    return {
      ok: false,
      error: {
        kind: 'invalid-input',
        message: `Unknown API method ${shown}.`,
        hint: 'The renderer and the backend are from different builds; rebuild and restart HAVIP Manager.'
      }
    }
  }
  const spec = apiMethods[method]
  const parsed = spec.input.safeParse(rawInput ?? {})
  if (!parsed.success) return { ok: false, error: invalidInput(method, parsed.error.issues) }

  let value: unknown
  try {
    const handler = target.handlers[method] as (input: unknown) => Promise<unknown>
    value = await handler(parsed.data)
  } catch (err) {
    const error = err instanceof ApiException ? err.error : target.toApiError(err, method)
    return { ok: false, error }
  }

  // Outputs are checked too: a backend bug surfaces as a clear error instead of a UI that
  // silently shows half-filled data, and fields not in the contract never leave the backend.
  const out = spec.output.safeParse(value)
  if (!out.success) {
    const issue = out.error.issues[0]
    return {
      ok: false,
      error: {
        kind: 'internal',
        message: `The backend returned malformed data for ${method} (${issue ? `${issue.path.join('.') || 'result'}: ${issue.message}` : 'schema mismatch'}).`,
        hint: 'This is a bug in HAVIP Manager; please report it with the backend log.'
      }
    }
  }
  return { ok: true, value: out.data }
}
