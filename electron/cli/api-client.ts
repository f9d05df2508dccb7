// The CLI is one more client of the API table: it calls the same backend through dispatch(),
// so every argument is checked by the same schemas as the app's and errors are the same values.
import type { ApiInput, ApiMethod, ApiOutput } from '../api/contract'
import { dispatch } from '../api/dispatch'
import { ApiCallError, type ApiError } from '../api/errors'
import type { Backend } from '../backend/backend'

export type CallApi = <M extends ApiMethod>(method: M, input: ApiInput<M>) => Promise<ApiOutput<M>>

export function apiClient(backend: Backend): CallApi {
  return async (method, input) => {
    const r = await dispatch(backend, method, input)
    if (!r.ok) throw new ApiCallError(r.error as ApiError, method)
    return r.value as ApiOutput<typeof method>
  }
}
