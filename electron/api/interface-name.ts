// Interface names, per platform. Browser-safe: zod only.
//
// Linux: what a real NIC is called (IFNAMSIZ: at most 15 characters) and nothing a shell
// treats specially, so a name that reaches a Linux command line is refused here with a clear
// message rather than quoted later; Linux names cannot hold spaces or "/" anyway.
// Windows: the adapter's alias ("Ethernet 2", "vEthernet (External)"), which never reaches a
// shell (it travels to PowerShell as data, see platform/windows/encoded-command.ts), so it
// gets Windows' own rule: what the Network Connections folder lets an admin name a connection
// ("A connection name can't contain tabs or any of the following characters: \ / : * ? < > |",
// Windows help, "Rename a network connection"), at most 256 characters (IF_MAX_STRING_SIZE of
// an interface alias), no control characters, no leading or trailing space.
import { z } from 'zod'

export type InterfacePlatform = 'linux' | 'windows'

const LINUX_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/
// eslint-disable-next-line no-control-regex
const WINDOWS_RE = /^[^\u0000-\u001f\u007f\\/:*?<>|\s](?:[^\u0000-\u001f\u007f\\/:*?<>|]{0,254}[^\u0000-\u001f\u007f\\/:*?<>|\s])?$/

export function isLinuxInterfaceName(name: string): boolean {
  return LINUX_RE.test(name)
}

export function isWindowsInterfaceName(name: string): boolean {
  return WINDOWS_RE.test(name) && !/[\u0085\u2028\u2029]/.test(name)
}

export function isInterfaceNameFor(platform: InterfacePlatform, name: string): boolean {
  return platform === 'windows' ? isWindowsInterfaceName(name) : isLinuxInterfaceName(name)
}

const LINUX_RULE = 'a Linux interface name has 1-15 letters, digits, "_", "." and "-" (e.g. eth0, ens3, bond0.100)'
const WINDOWS_RULE = 'a Windows adapter name has 1-256 characters, no tabs or control characters, none of \\ / : * ? < > |, and no space at either end (e.g. Ethernet 2)'

/** Why `name` is not an interface name of that platform, or undefined when it is one. */
export function interfaceNameProblem(platform: InterfacePlatform, name: string): string | undefined {
  if (isInterfaceNameFor(platform, name)) return undefined
  return `"${name.length > 60 ? `${name.slice(0, 60)}…` : name}" is not ${platform === 'windows' ? 'a Windows adapter name' : 'a Linux interface name'}: ${platform === 'windows' ? WINDOWS_RULE : LINUX_RULE}`
}

/** A Linux interface name (IFNAMSIZ), limited to the characters real names use. */
export const LinuxInterfaceNameSchema = z.string().max(15, 'an interface name is at most 15 characters').refine(isLinuxInterfaceName, `not an interface name: ${LINUX_RULE}`)

/** A Windows adapter name (interface alias). */
export const WindowsInterfaceNameSchema = z.string().max(256, 'a Windows adapter name is at most 256 characters').refine(isWindowsInterfaceName, `not an adapter name: ${WINDOWS_RULE}`)

/**
 * An interface name where the platform is not known yet (a request naming a saved connection):
 * a Linux name or a Windows adapter name. Where the node's platform is known the backend checks
 * the name against that platform's rule (interfaceNameProblem), so a Windows-style name never
 * reaches a Linux node.
 */
export const InterfaceNameSchema = z
  .string()
  .max(256, 'an interface name is at most 256 characters')
  .refine((s) => isLinuxInterfaceName(s) || isWindowsInterfaceName(s), `not an interface name: ${LINUX_RULE}; ${WINDOWS_RULE}`)
