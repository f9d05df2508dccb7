// Probe results arrive out of order (a lost probe is reported when its timeout ends, after
// later probes were answered); the graph and the outage measurement want them in the order
// they were sent. Every probe is resolved exactly once (answer or timeout), so holding the
// early ones until the gap closes never stalls for longer than the probe timeout.
export class InOrder {
  private next = 0
  private readonly held = new Map<number, { t: number; rtt: number | null }>()

  constructor(private readonly release: (t: number, rtt: number | null) => void) {}

  put(seq: number, t: number, rtt: number | null): void {
    if (seq < this.next) return // a duplicate or a late answer of a probe already reported lost
    this.held.set(seq, { t, rtt })
    for (let r = this.held.get(this.next); r; r = this.held.get(this.next)) {
      this.held.delete(this.next)
      this.next++
      this.release(r.t, r.rtt)
    }
  }
}
