// A terminal source on an SSH shell channel (ssh2's ClientChannel with a PTY). Pausing the
// channel stops ssh2 from reading it once its buffer is full, and then from granting the node
// more window, so a flood waits on the node (RFC 4254 §5.2), not in this process.
import type { ClientChannel } from 'ssh2'
import { InputBacklogFull, MAX_INPUT_BACKLOG_BYTES, type SourceEnd, type TerminalSource } from './terminal-source'

export function sshShellSource(channel: ClientChannel, isConnected: () => boolean): TerminalSource {
  let exit: Pick<SourceEnd, 'exitCode' | 'signal'> = {}
  let endListener: ((end: SourceEnd) => void) | undefined
  let ended: SourceEnd | undefined
  let error: string | undefined

  // ssh2 reports 'exit' (exit-status or exit-signal, RFC 4254 §6.10) before 'close'.
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = {
      ...(typeof code === 'number' ? { exitCode: code } : {}),
      ...(typeof signal === 'string' && signal ? { signal } : {})
    }
  })
  channel.on('error', (e: Error) => {
    error = e.message
  })
  channel.on('close', () => {
    // Without an exit status, the channel closed because the connection did (a drop, or a
    // Disconnect, which the terminal service has already recorded as such).
    const noStatus = exit.exitCode === undefined && exit.signal === undefined
    ended = { ...exit, ...(noStatus && !isConnected() ? { linkLost: true } : {}), ...(error ? { error } : {}) }
    endListener?.(ended)
  })

  return {
    onData(listener) {
      channel.on('data', listener)
      // With a PTY the remote side merges stderr into the terminal; take anything sent apart too.
      channel.stderr.on('data', listener)
    },
    onEnd(listener) {
      endListener = listener
      if (ended) listener(ended)
    },
    write(data) {
      if (channel.writableLength > MAX_INPUT_BACKLOG_BYTES) throw new InputBacklogFull(channel.writableLength)
      channel.write(data)
    },
    resize(cols, rows) {
      channel.setWindow(rows, cols, 0, 0)
    },
    pause() {
      channel.pause()
      channel.stderr.pause()
    },
    resume() {
      channel.resume()
      channel.stderr.resume()
    },
    bufferedBytes() {
      return channel.readableLength + channel.stderr.readableLength
    },
    close() {
      // ssh2 emits 'close' only after the readable side ended, which a paused channel never
      // reaches: let it flow (the service discards what is left), then close our side.
      channel.resume()
      channel.stderr.resume()
      try {
        channel.close()
      } catch {
        // The connection is already gone; the channel closes with it.
      }
    }
  }
}
