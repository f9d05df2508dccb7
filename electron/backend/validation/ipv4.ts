// IPv4 arithmetic the tests share: subnets, network addresses, membership.

/** The address as an unsigned 32-bit number, or undefined if it is not a dotted quad. */
export function ipv4ToNumber(addr: string): number | undefined {
  const parts = addr.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
}

function maskOf(prefix: number): number {
  return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0
}

/** "198.51.100.0/24" for 198.51.100.11 and 24. */
export function networkOf(addr: string, prefix: number): string | undefined {
  const n = ipv4ToNumber(addr)
  return n === undefined ? undefined : `${numberToIpv4((n & maskOf(prefix)) >>> 0)}/${prefix}`
}

/** True when `addr` lies in the subnet `net`/`prefix` (net may be any address of it). */
export function ipv4InSubnet(addr: string, net: string, prefix: number): boolean {
  const a = ipv4ToNumber(addr)
  const b = ipv4ToNumber(net)
  if (a === undefined || b === undefined) return false
  const m = maskOf(prefix)
  return ((a & m) >>> 0) === ((b & m) >>> 0)
}

/** "198.51.100.50/24" → { address, prefix }. */
export function parseCidr(cidr: string): { address: string; prefix: number } {
  const [address, prefix] = cidr.trim().split('/')
  return { address: address!, prefix: Number(prefix) }
}
