/** Small, pure IPv4 address helpers shared by the codec, the state machine and config validation. */

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** True for a strict dotted quad ("198.51.100.1"); no leading zeros beyond "0", no spaces. */
export function isIpv4(text: string): boolean {
  const m = DOTTED_QUAD.exec(text)
  if (!m) return false
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string
    if (part.length > 1 && part.startsWith('0')) return false
    if (Number(part) > 255) return false
  }
  return true
}

/** Address as an unsigned 32-bit number (RFC 5798 §6.4.3 compares primary addresses this way). */
export function ipv4ToUint32(text: string): number {
  if (!isIpv4(text)) throw new RangeError(`"${text}" is not an IPv4 address in dotted form`)
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
}

export function ipv4ToBytes(text: string): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(ipv4ToUint32(text), 0)
  return b
}

export function bytesToIpv4(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`
}

/** 224.0.0.0/4 */
export function isMulticastIpv4(text: string): boolean {
  const first = Number(text.split('.')[0])
  return first >= 224 && first <= 239
}

/** RFC 1071 Internet checksum over `parts` as if concatenated (each part of even length except the last). */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0
  let odd: number | undefined
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const byte = part[i] as number
      if (odd === undefined) {
        odd = byte
      } else {
        sum += (odd << 8) | byte
        odd = undefined
      }
    }
  }
  if (odd !== undefined) sum += odd << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}
