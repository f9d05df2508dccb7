/**
 * What went wrong in a PowerShell run, as a code the adapter can act on and a message an admin
 * can act on. The codes come from three places: our own checks in a script (Fail-Havip, or the
 * prelude's language-mode check), the error record PowerShell caught (its category and id), and
 * the process itself (cannot start, killed for time, output that is not our JSON).
 */
export type WindowsOsErrorCode =
  | 'constrained-language'
  | 'access-denied'
  | 'interface-missing'
  | 'address-elsewhere'
  | 'dhcp-interface'
  | 'duplicate-address'
  | 'timeout'
  | 'spawn'
  | 'garbled'
  | 'failed'

export class WindowsOsError extends Error {
  constructor(readonly code: WindowsOsErrorCode, message: string) {
    super(message)
    this.name = 'WindowsOsError'
  }
}

/** The failure line a script prints (ps-encode.ts's postlude). */
export interface PsFailure {
  ok: false
  code?: string
  message?: string
  category?: string
  errorId?: string
  native?: string | null
}

const ADVICE: Record<Exclude<WindowsOsErrorCode, 'failed' | 'garbled' | 'timeout' | 'spawn'>, string> = {
  'constrained-language':
    'PowerShell runs in Constrained Language Mode here (AppLocker or WDAC policy), which forbids what the agent needs; allow the HAVIP agent\'s PowerShell (a WDAC/AppLocker rule for the service account SYSTEM) or run the agent where FullLanguage is available',
  'access-denied':
    'access denied: the agent must run elevated, as the HAVIP service (LocalSystem) or from an elevated Administrator prompt',
  'interface-missing':
    'no IPv4 interface with that alias on this node: check the instance\'s "interface" (the alias Get-NetIPInterface shows, e.g. "Ethernet"), and whether the adapter was renamed or removed',
  'address-elsewhere':
    'the address is already on another interface of this node; remove it there (Remove-NetIPAddress) or fix the config',
  'dhcp-interface':
    'the interface takes its address from DHCP, and adding a second address with New-NetIPAddress turns DHCP off on it (see the New-NetIPAddress documentation); give the node a static address on that interface first',
  'duplicate-address':
    'Windows found another host answering for this address (duplicate address detection) and will not use it: another node still holds the VIP'
}

/** Reads the error text PowerShell prints when it cannot even run our prelude (stderr). */
function fromStderr(stderr: string): WindowsOsErrorCode | undefined {
  if (/supported only on core types in this language mode|language mode/i.test(stderr)) return 'constrained-language'
  if (/access (is )?denied|PermissionDenied|UnauthorizedAccess/i.test(stderr)) return 'access-denied'
  return undefined
}

/** The code for a failure line: our own code first, then PowerShell's category. */
export function classifyFailure(f: PsFailure): WindowsOsErrorCode {
  if (f.code && f.code in ADVICE) return f.code as WindowsOsErrorCode
  // CIM errors (the NetTCPIP and NetSecurity cmdlets are CIM) carry the category; a token that is
  // not elevated gets PermissionDenied with "Access denied" (HRESULT 0x80041003 / native 5).
  if (f.category === 'PermissionDenied' || /AccessDenied|Windows System Error 5\b|0x80041003/i.test(`${f.errorId ?? ''} ${f.native ?? ''}`) || /^access (is )?denied/i.test(f.message ?? '')) return 'access-denied'
  return 'failed'
}

/** An error for a failure line, naming what was being done. */
export function failureError(what: string, f: PsFailure): WindowsOsError {
  const code = classifyFailure(f)
  const detail = [f.message?.trim(), f.errorId ? `(${f.errorId})` : ''].filter(Boolean).join(' ')
  const advice = code === 'failed' ? '' : `: ${ADVICE[code as keyof typeof ADVICE]}`
  return new WindowsOsError(code, `${what} failed: ${detail || 'no message'}${advice}`)
}

/** An error for a run that printed no JSON line (PowerShell itself failed, or something else printed). */
export function processError(what: string, r: { code: number; stdout: string; stderr: string; timedOut: boolean; spawnError?: string }, timeoutMs: number): WindowsOsError {
  if (r.spawnError) return new WindowsOsError('spawn', `${what} failed: cannot start Windows PowerShell (${r.spawnError}); it ships with every Windows Server since 2016 under %SystemRoot%\\System32\\WindowsPowerShell\\v1.0: check that it was not removed or blocked`)
  if (r.timedOut) return new WindowsOsError('timeout', `${what} did not finish within ${timeoutMs / 1000} s and PowerShell was killed; the node may be overloaded, or WMI (the NetTCPIP cmdlets go through it) is stuck: run Get-NetIPAddress by hand to see, and restart the Winmgmt service if it hangs`)
  const stderr = r.stderr.trim()
  const code = fromStderr(stderr)
  if (code) return new WindowsOsError(code, `${what} failed: ${firstLines(stderr)}: ${ADVICE[code as keyof typeof ADVICE]}`)
  return new WindowsOsError('garbled', `${what} failed: PowerShell exited ${r.code} without a result${stderr ? `: ${firstLines(stderr)}` : ''}${r.stdout.trim() ? ` (stdout: ${firstLines(r.stdout.trim())})` : ''}`)
}

function firstLines(s: string, n = 3): string {
  return s.split(/\r?\n/).filter((l) => l.trim()).slice(0, n).join(' / ')
}
