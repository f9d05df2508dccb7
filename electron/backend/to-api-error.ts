// Any error a service throws, as the ApiError value that crosses the API: ApiExceptions keep
// their error, SshErrors keep kind/hint/node, anything else is an 'internal' error (and logged,
// because it was not expected).
import type { ApiMethod } from '../api/contract'
import { ApiException, type ApiError } from '../api/errors'
import { clip } from '../api/limits'
import type { BackendLog } from './log'
import { SshError } from './ssh/errors'

export function toApiError(err: unknown, method: ApiMethod | string, log: BackendLog): ApiError {
  if (err instanceof ApiException) return err.error
  if (err instanceof SshError) {
    // Clipped to the API's limits: a message quoting a node's stderr can be long.
    return { kind: err.kind, message: clip(err.message, 'message'), hint: clip(err.hint, 'message'), node: clip(err.host, 'host') }
  }
  const message = clip(err instanceof Error ? err.message : String(err), 'message')
  log('error', `${method} failed unexpectedly: ${message}`)
  return {
    kind: 'internal',
    message: clip(`${method} failed: ${message}`, 'message'),
    hint: 'This was not expected. Check the backend log; if it persists, report it.'
  }
}
