// Shared data types of HAVIP Manager: zod schemas plus the types inferred from them.
// Browser-safe on purpose (imports zod only): the renderer, the preload contract, the
// backend and the CLI all validate against these same schemas.
import { z } from 'zod'
import { text } from './limits'

// ---------------------------------------------------------------------------
// Hosts and user names. These end up in SSH connections, logs and (quoted) commands,
// so they are checked strictly where they enter, with messages that say what is allowed.
// ---------------------------------------------------------------------------

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** True for a dotted-quad IPv4 address without leading zeros (leading zeros read as octal in some tools). */
export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s)
}

/**
 * True for an IPv6 address in RFC 4291 §2.2 text form (with optional "::" compression and
 * an optional embedded IPv4 tail). Zone ids ("%eth0") are accepted because link-local
 * SSH targets need them; the zone must be a plain interface name.
 */
export function isIPv6(s: string): boolean {
  let addr = s
  const pct = s.indexOf('%')
  if (pct >= 0) {
    const zone = s.slice(pct + 1)
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(zone)) return false
    addr = s.slice(0, pct)
  }
  if (addr.length < 2 || addr.length > 45) return false
  const groups = 8
  const lastColon = addr.lastIndexOf(':')
  const tail = addr.slice(lastColon + 1)
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false
    addr = addr.slice(0, lastColon + 1) + '0:0' // stand-in for the two groups the IPv4 tail occupies
  }
  const halves = addr.split('::')
  if (halves.length > 2) return false
  const parse = (part: string): string[] | null => {
    if (part === '') return []
    const gs = part.split(':')
    return gs.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g)) ? gs : null
  }
  if (halves.length === 2) {
    const left = parse(halves[0] ?? '')
    const right = parse(halves[1] ?? '')
    if (!left || !right) return false
    return left.length + right.length <= groups - 1
  }
  const all = parse(addr)
  return all !== null && all.length === groups
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens; 253 chars max. */
export function isHostname(s: string): boolean {
  if (s.length < 1 || s.length > 253) return false
  const labels = s.replace(/\.$/, '').split('.')
  // An all-numeric last label would be a malformed IPv4 address, not a name.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))
}

export const HostSchema = z
  .string({ required_error: 'host is required' })
  .trim()
  .min(1, 'enter a host name or an IP address')
  .max(253, 'a host name is at most 253 characters')
  .refine((h) => isIPv4(h) || isIPv6(h) || isHostname(h), {
    message:
      'not a valid host name or IP address: use letters, digits, dots and hyphens (e.g. node1.example.org), an IPv4 address (198.51.100.11) or an IPv6 address'
  })

export const PortSchema = z.coerce
  .number({ invalid_type_error: 'port must be a number' })
  .int('port must be a whole number')
  .min(1, 'port must be 1..65535')
  .max(65535, 'port must be 1..65535')

// POSIX portable user names, optionally with a Windows domain ("CORP\\admin") or UPN
// suffix ("admin@corp.example"). No leading '-' (could read as an option), no spaces,
// no shell metacharacters.
const USERNAME_RE =
  /^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,62}\\)?[A-Za-z_][A-Za-z0-9_.-]{0,63}(?:@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)?$/

export const UsernameSchema = z
  .string({ required_error: 'user name is required' })
  .min(1, 'enter a user name')
  .max(128, 'a user name is at most 128 characters')
  .regex(
    USERNAME_RE,
    'not a valid user name: start with a letter or "_", then letters, digits, ".", "_" or "-" (optionally DOMAIN\\user or user@domain)'
  )

// ---------------------------------------------------------------------------
// SSH targets
// ---------------------------------------------------------------------------

export const SshAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: text('secret', 'password').min(1, 'enter the password') }),
  z.object({
    kind: z.literal('key'),
    privateKeyPath: text('path', 'key file path').min(1, 'enter the path of the private key file'),
    passphrase: text('secret', 'passphrase').optional()
  }),
  z.object({ kind: z.literal('agent'), socketPath: text('path', 'agent socket path').optional() })
])

export const SshTargetSchema = z.object({
  host: HostSchema,
  port: PortSchema.default(22),
  username: UsernameSchema,
  auth: SshAuthSchema,
  /** Password for sudo; defaults to the login password when auth is by password. */
  sudoPassword: text('secret', 'sudo password').optional()
})

export const HostKeyInfoSchema = z.object({
  host: text('host', 'host').min(1),
  port: z.number().int().min(1).max(65535),
  /** SSH key algorithm name, e.g. 'ssh-ed25519'. */
  keyType: text('name', 'keyType'),
  /** 'SHA256:' + unpadded base64 of SHA-256 over the raw key blob, exactly as `ssh-keygen -lf` prints. */
  fingerprint: text('fingerprint', 'fingerprint'),
  /** When the admin pinned it (ISO 8601); set by the host-key store. */
  trustedAt: text('timestamp', 'trustedAt').optional()
})

// ---------------------------------------------------------------------------
// Node facts
// ---------------------------------------------------------------------------

export const NetAddressSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  address: text('name', 'address'),
  prefix: z.number().int().min(0).max(128),
  label: text('name', 'label').optional()
})

export const NetInterfaceSchema = z.object({
  name: text('name', 'interface name'),
  mac: text('name', 'mac').optional(),
  mtu: z.number().int(),
  /** Operational state as the OS reports it ('UP', 'DOWN', 'UNKNOWN', ...). */
  state: text('name', 'state'),
  addresses: z.array(NetAddressSchema)
})

/** Facts of a Windows node beyond the common shape: edition, domain, rights, IPv4 configuration, firewall. */
export const WindowsFactsSchema = z.object({
  /** Win32_OperatingSystem.Caption, e.g. 'Microsoft Windows Server 2022 Datacenter'. */
  caption: text('fact', 'windows.caption'),
  /** EditionID, e.g. 'ServerDatacenter'. */
  editionId: text('name', 'windows.editionId'),
  /** 'Server' or 'Server Core'. */
  installationType: text('name', 'windows.installationType'),
  /** OS build with its update revision, e.g. '20348.2582'. */
  build: text('name', 'windows.build'),
  /** DNS domain, or the workgroup when not joined. */
  domain: text('host', 'windows.domain'),
  partOfDomain: z.boolean(),
  /** The login (DOMAIN\user) and whether its token is elevated (member of Administrators, not filtered). */
  user: text('name', 'windows.user'),
  elevated: z.boolean(),
  psVersion: text('name', 'windows.psVersion'),
  languageMode: text('name', 'windows.languageMode'),
  /** Path of node.exe found on the PATH, or null. */
  nodePath: text('path', 'windows.nodePath').nullable(),
  /** IPv4 configuration per interface (by the name in `interfaces`). */
  ipv4: z.array(
    z.object({
      interface: text('name', 'interface'),
      dhcp: z.boolean(),
      /** Addresses added with SkipAsSource (a VIP as the agent adds it). */
      skipAsSource: z.array(text('name', 'address'))
    })
  ),
  /** Firewall profiles (Domain, Private, Public), or null when they could not be read. */
  firewallProfiles: z
    .array(z.object({ name: text('name', 'profile'), enabled: z.boolean(), defaultInboundAction: text('name', 'defaultInboundAction') }))
    .nullable(),
  /** The network category (profile) of each connected interface. */
  networkCategories: z.array(z.object({ interface: text('name', 'interface'), category: text('name', 'category') }))
})

export const NodeFactsSchema = z.object({
  hostname: text('host', 'hostname'),
  os: z.object({
    id: text('fact', 'os.id'),
    name: text('fact', 'os.name'),
    version: text('fact', 'os.version'),
    prettyName: text('fact', 'os.prettyName')
  }),
  kernel: text('fact', 'kernel'),
  arch: text('name', 'arch'),
  /** `node --version` on the node, or null if Node.js is not installed. */
  nodeVersion: text('name', 'nodeVersion').nullable(),
  interfaces: z.array(NetInterfaceSchema),
  defaultRoute: z.object({ gateway: text('name', 'gateway').nullable(), dev: text('name', 'dev') }).nullable(),
  platform: z.enum(['linux', 'windows']),
  /** What only a Windows node has (set when platform is 'windows'). */
  windows: WindowsFactsSchema.optional(),
  collectedAt: text('timestamp', 'collectedAt')
})

// ---------------------------------------------------------------------------
// SSH errors as values
// ---------------------------------------------------------------------------

export const SshErrorKindSchema = z.enum([
  'unreachable',
  'refused',
  'timeout',
  'auth-failed',
  'host-key-unknown',
  'host-key-changed',
  'sudo-password-required',
  'sudo-password-wrong',
  'command-failed',
  'disconnected',
  'invalid-input'
])

/** The serialisable face of an SshError (what crosses the API). */
export const SshErrorInfoSchema = z.object({
  kind: SshErrorKindSchema,
  message: text('message', 'message'),
  host: text('host', 'host'),
  hint: text('message', 'hint'),
  hostKey: HostKeyInfoSchema.extend({ expectedFingerprint: text('fingerprint', 'expectedFingerprint').optional() }).optional(),
  exitCode: z.number().optional(),
  stderr: text('output', 'stderr').optional()
})

export type SshAuth = z.infer<typeof SshAuthSchema>
export type SshTarget = z.infer<typeof SshTargetSchema>
/** What callers may pass before defaults apply (port optional). */
export type SshTargetInput = z.input<typeof SshTargetSchema>
export type HostKeyInfo = z.infer<typeof HostKeyInfoSchema>
export type NetAddress = z.infer<typeof NetAddressSchema>
export type NetInterface = z.infer<typeof NetInterfaceSchema>
export type NodeFacts = z.infer<typeof NodeFactsSchema>
export type WindowsFacts = z.infer<typeof WindowsFactsSchema>
export type SshErrorKind = z.infer<typeof SshErrorKindSchema>
export type SshErrorInfo = z.infer<typeof SshErrorInfoSchema>
