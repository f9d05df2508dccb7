// Turns whatever a backend call rejected with into text a person can act on: a short title
// (what went wrong), the backend's message (where and why) and its hint (what to do).

export interface ErrorView {
  kind: string
  title: string
  message: string
  hint?: string
  node?: string
  /** For invalid-input errors: the form field the backend named ("port: must be 1..65535"). */
  field?: string
}

interface ApiErrorLike {
  kind: string
  message: string
  hint?: string
  node?: string
  field?: string
}

const TITLES: Record<string, string> = {
  unreachable: 'Node unreachable',
  refused: 'Connection refused',
  timeout: 'Connection timed out',
  'auth-failed': 'Authentication failed',
  'host-key-unknown': 'Host key not yet trusted',
  'host-key-changed': 'Host key changed',
  'sudo-password-required': 'sudo needs a password',
  'sudo-password-wrong': 'sudo password rejected',
  'command-failed': 'Command failed',
  disconnected: 'Connection lost',
  'invalid-input': 'Check the input',
  'not-found': 'Not found',
  conflict: 'In conflict with what exists',
  internal: 'Internal error',
  transport: 'Backend not reachable'
}

/** Fallback hints for when the backend sent none. */
const HINTS: Record<string, string> = {
  unreachable: 'Check the address and that the node is up and routed from this machine.',
  refused: 'Nothing listens on that port: check that sshd runs on the node and the port is right.',
  timeout: 'The node did not answer in time: check the address, firewalls and the port.',
  'auth-failed': 'Check the user name and the password or key; the node may also forbid this login method.',
  transport: 'The HAVIP Manager backend is not answering: check that it still runs, then reload the page.'
}

function isApiErrorLike(v: unknown): v is ApiErrorLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  )
}

/** Extracts the ApiError value from an ApiCallError (or a plain ApiError, or anything else). */
export function toApiError(e: unknown): ApiErrorLike {
  if (typeof e === 'object' && e !== null) {
    const inner = (e as { error?: unknown; apiError?: unknown }).error ?? (e as { apiError?: unknown }).apiError
    if (isApiErrorLike(inner)) return inner
    if (isApiErrorLike(e)) return e
    if (e instanceof Error) return { kind: 'internal', message: e.message }
  }
  return { kind: 'internal', message: String(e) }
}

/**
 * The part of an invalid-input message about one field:
 * "Invalid input for connections.connect: port: port must be 1..65535; host: ..." -> "port must be 1..65535".
 */
export function fieldMessage(message: string, field: string): string {
  for (const part of message.replace(/^Invalid input for [\w.]+:\s*/, '').split('; ')) {
    if (part.startsWith(`${field}: `)) return part.slice(field.length + 2)
  }
  return message
}

export function describeError(e: unknown): ErrorView {
  const err = toApiError(e)
  const view: ErrorView = {
    kind: err.kind,
    title: TITLES[err.kind] ?? 'Operation failed',
    message: err.message,
    hint: err.hint ?? HINTS[err.kind],
    node: err.node
  }
  if (err.kind === 'invalid-input' && err.field) view.field = err.field
  return view
}
