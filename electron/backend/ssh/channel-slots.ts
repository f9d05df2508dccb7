// How many channels one session may have open at once. OpenSSH refuses channels past its
// MaxSessions (default 10 per connection) with an error that looks like a failed command, so
// every exec and SFTP channel of a session first takes a slot here and waits when none is free.

/** OpenSSH's default MaxSessions is 10 channels per connection; stay below it. */
export const MAX_CONCURRENT_CHANNELS = 8

/** A tiny counting semaphore so concurrent execs never exceed the server's channel limit. */
export class ChannelSlots {
  private free: number
  private waiters: Array<() => void> = []
  constructor(n: number = MAX_CONCURRENT_CHANNELS) {
    this.free = n
  }
  /** Resolves with the release function once a slot is free; releasing twice is harmless. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.waiters.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      if (next) next()
      else this.free++
    }
  }
}
