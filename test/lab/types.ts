// Shapes and fixed names of the local lab (DESIGN.md §5). Other helpers' tests import these
// through lab.ts; keep the LabState shape stable.

export interface LabNode {
  name: string // 'n1'
  netns: string // 'havip-n1'
  address: string
  sshPort: number
  holderPid: number // pid whose net+mnt+uts namespaces are the node's (the node's sshd -D)
  hostKeyFingerprint: string // 'SHA256:...' as ssh-keygen -lf prints
  hostKeyPublic: string // openssh line without comment: 'ssh-ed25519 AAAA...'
}

/** A user that logs in by key only: no password login at all (sshd refuses it for them). */
export interface LabKeyUser {
  name: string
  /** The private key that logs this user in (the lab key). */
  privateKeyPath: string
  /** The file (0600) with the user's sudo password, or null: sudo is NOPASSWD. */
  sudoPasswordPath: string | null
}

export interface LabState {
  nodes: LabNode[]
  client: { netns: string; address: string }
  hostAddress: string
  prefix: 24
  rootKeyPath: string
  sudoUser: string
  sudoPasswordPath: string
  vipPool: string[] // free addresses tests may use as VIPs
  /** Key-only users, as cloud images have them; added after the fields above, so older readers ignore it. */
  keyUsers: {
    /** `NOPASSWD: ALL` sudo, and no password anywhere (shadow '*'). */
    nopasswdSudo: LabKeyUser
    /** sudo asks for a password the lab knows (sudoPasswordPath); sshd still refuses password login. */
    passwordSudo: LabKeyUser
  }
}

/** What labDown must undo beyond namespaces, kept apart from LabState so that shape stays exact. */
export interface LabBookkeeping {
  createdMountPoints: string[]
  createdRunSshd: boolean
  createdUser: boolean
}

// Everything the lab creates carries this prefix so it never clashes with anything else.
export const PREFIX = 'havip-'
export const LAN_NETNS = 'havip-lan'
export const CLIENT_NETNS = 'havip-client'
export const HOST_LINK = 'havip-host'
export const BRIDGE = 'br0'

// Documentation range only (RFC 5737); never route anything outside the lab's namespaces.
export const SUBNET_BASE = '198.51.100.'
export const SUBNET_CIDR = '198.51.100.0/24'
export const HOST_ADDRESS = '198.51.100.1'
export const CLIENT_ADDRESS = '198.51.100.100'
export const nodeAddress = (index: number): string => `${SUBNET_BASE}${10 + index}`
export const VIP_POOL: string[] = Array.from({ length: 21 }, (_, i) => `${SUBNET_BASE}${200 + i}`)
export const MAX_NODES = 9

export const STATE_DIR = '/run/havip-lab'
export const STATE_FILE = `${STATE_DIR}/state.json`
export const BOOKKEEPING_FILE = `${STATE_DIR}/bookkeeping.json`
export const USERS_DIR = `${STATE_DIR}/users`
export const AUTHORIZED_KEYS_DIR = `${STATE_DIR}/authorized_keys`
export const ROOT_KEY_PATH = `${STATE_DIR}/id_ed25519`
export const SUDO_USER = 'havipadm'
export const SUDO_USER_GECOS = 'HAVIP lab admin'
export const SUDO_USER_HOME = `${STATE_DIR}/home/${SUDO_USER}`
export const SUDO_PASSWORD_PATH = `${STATE_DIR}/${SUDO_USER}.password`
export const KEY_USER_NOPASSWD = 'havipkey'
export const KEY_USER_NOPASSWD_GECOS = 'HAVIP lab key user, NOPASSWD sudo'
export const KEY_USER_SUDOPW = 'havipks'
export const KEY_USER_SUDOPW_GECOS = 'HAVIP lab key user, sudo password'
export const KEY_USER_SUDOPW_PASSWORD_PATH = `${STATE_DIR}/${KEY_USER_SUDOPW}.password`
/** Every account the lab makes, with the comment that marks it as the lab's (lab down deletes only those). */
export const LAB_ACCOUNTS: ReadonlyArray<{ name: string; gecos: string }> = [
  { name: SUDO_USER, gecos: SUDO_USER_GECOS },
  { name: KEY_USER_NOPASSWD, gecos: KEY_USER_NOPASSWD_GECOS },
  { name: KEY_USER_SUDOPW, gecos: KEY_USER_SUDOPW_GECOS }
]
/** Users that may log in by key only: sshd refuses them password authentication. */
export const KEY_ONLY_USERS = [KEY_USER_NOPASSWD, KEY_USER_SUDOPW]
export const SUDOERS_FILE = '/etc/sudoers.d/havip-lab'
export const LOCK_DIR = '/run/havip-lab.lock'

/** Directories each node gets as private tmpfs, so deploying to n1 never touches n2. */
export const NODE_PRIVATE_DIRS = ['/etc/havip', '/opt/havip', '/run/havip', '/var/log/havip']

/**
 * Size limit of each node's tmpfs (memory is used only as files fill it). /opt/havip holds what
 * Create Cluster deploys: the Node.js runtime it uploads to a node without one is ~125 MB unpacked,
 * plus its 45 MB archive while it is unpacked, plus agent releases.
 */
export const NODE_TMPFS_SIZE: Record<string, string> = { '/opt/havip': '512m' }
export const DEFAULT_NODE_TMPFS_SIZE = '64m'
export const tmpfsSizeOf = (dir: string): string => NODE_TMPFS_SIZE[dir] ?? DEFAULT_NODE_TMPFS_SIZE

export const nodeDir = (name: string): string => `${STATE_DIR}/nodes/${name}`
