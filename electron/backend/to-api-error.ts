// Any error a service throws, as the ApiError value that crosses the API: ApiExceptions keep
// their error, SshErrors keep kind/hint/node, anything else is an 'internal' error (and logged,
// because it was not expected).
import type { ApiMethod } from '../api/contract'
import { ApiException, type ApiError } from '../api/errors'
import type { BackendLog } from './log'
import { SshError } from './ssh/errors'

export function toApiError(err: unknown, method: ApiMethod | string, log: BackendLog): ApiError {
  if (err instanceof ApiException) return err.error
  if (err instanceof SshError) {
    return { kind: err.kind, message: err.message, hint: err.hint, node: err.host }
  }
  const message = err instanceof Error ? err.message : String(err)
  log('error', `${method} failed unexpectedly: ${message}`)
  return {
    kind: 'internal',
    message: `${method} failed: ${message}`,
    hint: 'This was not expected. Check the backend log; if it persists, report it.'
  }
}
