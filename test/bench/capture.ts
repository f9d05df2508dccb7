/**
 * A packet capture inside a lab node, for benches that time events on the wire: dumpcap (the
 * capture engine of tshark, without its dissectors) writes classic pcap to /tmp, which the
 * nodes share with the host, and pcap.ts reads it.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { killSpawned, nodeSpawn, type LabNode } from '../lab/lab'
import { parsePcap, type Frame } from './pcap'
import { waitFor } from '../support/wait-for'

let seq = 0

export class Capture {
  private child?: ChildProcess
  readonly file = `/tmp/havip-bench-${process.pid}-${seq++}.pcap`
  private stderr = ''

  constructor(readonly node: LabNode, readonly filter: string, readonly dev = 'eth0', readonly maxSeconds = 60) {}

  /** Starts dumpcap and returns once it is capturing (it writes the pcap header then). */
  async start(): Promise<void> {
    rmSync(this.file, { force: true })
    this.child = nodeSpawn(this.node, ['dumpcap', '-q', '-P', '-i', this.dev, '-f', this.filter, '-a', `duration:${this.maxSeconds}`, '-w', this.file])
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()))
    const child = this.child
    await waitFor(`dumpcap on ${this.node.name} to start capturing`, async () => {
      if (child.exitCode !== null) throw new Error(`dumpcap on ${this.node.name} exited ${child.exitCode}: ${this.stderr.trim()}`)
      // dumpcap says "Capturing on" once the filter is set and packets flow into the file.
      return this.stderr.includes('Capturing on') && existsSync(this.file) && statSync(this.file).size >= 24
    }, 10_000, 20)
  }

  /**
   * The frames written so far, while the capture goes on. dumpcap writes what it reads within
   * a few ms, but on a busy machine it reads late, and on SIGINT it drops what it has not read
   * yet: wait on this for the frames a measure needs before stopping.
   */
  snapshot(): Frame[] {
    return existsSync(this.file) ? parsePcap(readFileSync(this.file)) : []
  }

  /** Stops dumpcap (it flushes on SIGINT) and returns the frames captured. */
  async stop(): Promise<Frame[]> {
    if (this.child) await killSpawned(this.child, 'SIGINT', 3000)
    this.child = undefined
    try {
      return existsSync(this.file) ? parsePcap(readFileSync(this.file)) : []
    } finally {
      rmSync(this.file, { force: true })
    }
  }
}
