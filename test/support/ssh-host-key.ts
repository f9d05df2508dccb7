// A throwaway ed25519 host key for in-process ssh2 servers in unit tests.
// ssh2's generateKeyPairSync('ed25519') strips leading zero bytes from the public key, so about
// 1 key in 256 is one its own parseKey rejects ("Malformed OpenSSH private key"; mscdex/ssh2
// issues #1390 and #1513). Such a key failed a CI run; drawing again is the documented way round.
import { utils, type ParsedKey } from 'ssh2'

export interface TestHostKey {
  /** OpenSSH private key text, for `new Server({ hostKeys: [...] })`. */
  private: string
  /** The parsed key: `getPublicSSH()` is what a client pins. */
  parsed: ParsedKey
}

export function testHostKey(): TestHostKey {
  let lastError: Error | undefined
  for (let attempt = 0; attempt < 20; attempt++) {
    const key = utils.generateKeyPairSync('ed25519').private
    const parsed = utils.parseKey(key)
    if (parsed instanceof Error) {
      lastError = parsed
      continue
    }
    return { private: key, parsed: Array.isArray(parsed) ? parsed[0]! : parsed }
  }
  throw new Error(`ssh2 generated 20 ed25519 keys its own parser rejects (last: ${lastError?.message})`)
}
