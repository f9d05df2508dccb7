/**
 * The VRRPv2 simple password (RFC 3768 §5.3.10: up to 8 octets of authentication data) as
 * bytes. keepalived copies the first 8 bytes of `auth_pass` as they are in the file and
 * compares received adverts byte for byte; havip-agent does the same with the UTF-8 bytes of
 * the config text, and carries them in the model as a latin1 string (one character per byte)
 * so the advert encoder and the comparison of received adverts use exactly one value.
 */
export const V2_PASSWORD_BYTES = 8

export interface WirePassword {
  /** One character per byte, at most 8. */
  wire: string
  /** What to tell the admin (each a complete clause), empty when nothing was changed. */
  notes: string[]
}

export function passwordWireBytes(text: string): WirePassword {
  const bytes = Buffer.from(text, 'utf8')
  const notes: string[] = []
  if (bytes.length > V2_PASSWORD_BYTES) {
    const kept = bytes.subarray(0, V2_PASSWORD_BYTES)
    // A cut inside a multi-byte character leaves a partial sequence: keepalived cuts there too.
    const midChar = Buffer.from(kept.toString('utf8'), 'utf8').length !== V2_PASSWORD_BYTES || (bytes[V2_PASSWORD_BYTES] as number) >> 6 === 0b10
    notes.push(
      `is ${bytes.length} bytes; only the first ${V2_PASSWORD_BYTES} are used on the wire, as keepalived does` +
        (midChar ? ' (the cut falls inside a multi-byte character; keepalived cuts at the same byte, so the two still agree)' : '')
    )
  }
  if (/[^\x20-\x7e]/.test(text)) {
    notes.push(
      'contains characters outside printable ASCII; they are sent as their UTF-8 bytes, as keepalived sends the bytes of its file, so every node must have the same bytes (same file encoding); plain ASCII avoids surprises'
    )
  }
  return { wire: bytes.subarray(0, V2_PASSWORD_BYTES).toString('latin1'), notes }
}
