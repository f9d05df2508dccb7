/** Client side of the control socket, used by `havip-agent ctl`. */
import net from 'node:net'
import { LineSplitter, type ControlRequest, type ControlResponse } from './protocol'

function connectError(path: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new Error(`no havip-agent is listening on ${path} (${err.code}); start it with "havip-agent run --config FILE", or pass --socket PATH`)
  }
  if (err.code === 'EACCES') return new Error(`permission denied on ${path}: the control socket is owner-only; run ctl as the agent's user (usually root, e.g. with sudo)`)
  return new Error(`cannot connect to ${path}: ${err.message}`)
}

/** The reply did not fit the protocol's line limit: say so, instead of throwing out of a socket callback. */
function overlongError(path: string, err: Error): Error {
  return new Error(`the answer from havip-agent on ${path} was cut off: ${err.message} (the agent's status is too large to read; report this as a bug)`)
}

/** Sends one request and resolves with its response; `token` goes with it where the agent requires one (Windows). */
export function request(path: string, req: ControlRequest, timeoutMs = 10_000, token?: string): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path)
    c.setEncoding('utf8')
    const t = setTimeout(() => {
      c.destroy()
      reject(new Error(`no answer from havip-agent on ${path} within ${timeoutMs} ms`))
    }, timeoutMs)
    const splitter = new LineSplitter((line) => {
      clearTimeout(t)
      c.end()
      try {
        resolve(JSON.parse(line) as ControlResponse)
      } catch {
        reject(new Error(`garbled answer from havip-agent on ${path}`))
      }
    })
    c.on('connect', () => c.write(JSON.stringify({ id: 1, ...req, ...(token !== undefined ? { token } : {}) }) + '\n'))
    c.on('data', (d: string) => {
      try {
        splitter.push(d)
      } catch (err) {
        clearTimeout(t)
        c.destroy()
        reject(overlongError(path, err as Error))
      }
    })
    c.on('error', (err) => {
      clearTimeout(t)
      reject(connectError(path, err))
    })
  })
}

/** Starts watching; calls onLine for every JSON line (the first is the ack). Resolves when the socket closes. */
export function watch(path: string, onMessage: (msg: Record<string, unknown>) => void, signal?: AbortSignal, token?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path)
    c.setEncoding('utf8')
    const splitter = new LineSplitter((line) => {
      try {
        onMessage(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // ignore a garbled line rather than end the watch
      }
    })
    signal?.addEventListener('abort', () => c.end(), { once: true })
    c.on('connect', () => c.write(JSON.stringify({ id: 1, cmd: 'watch', ...(token !== undefined ? { token } : {}) }) + '\n'))
    let failed: Error | undefined
    c.on('data', (d: string) => {
      try {
        splitter.push(d)
      } catch (err) {
        failed = overlongError(path, err as Error)
        c.destroy()
      }
    })
    c.on('error', (err) => reject(connectError(path, err)))
    c.on('close', () => (failed ? reject(failed) : resolve()))
  })
}
