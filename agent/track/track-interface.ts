/**
 * track_interface: polls the interface's up/running flags. A sysfs read every
 * pollMs costs next to nothing, and needs no netlink binding.
 */
export class TrackInterface {
  ok: boolean | undefined
  private timer?: NodeJS.Timeout

  constructor(
    readonly name: string,
    private readonly isUp: (dev: string) => boolean,
    private readonly onChange: (ok: boolean) => void,
    private readonly pollMs = 250
  ) {}

  start(): void {
    this.check()
    this.timer = setInterval(() => this.check(), this.pollMs)
  }

  private check(): void {
    const up = this.isUp(this.name)
    if (up !== this.ok) {
      this.ok = up
      this.onChange(up)
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }
}
