/**
 * The VIPs of one instance on this node: adding and removing them all (going on past a failure,
 * so one bad address does not strand the others), gratuitous ARP for each, and which are held.
 */
import type { InstanceConfig, VipConfig } from './config/model'
import type { LogFn } from './log'
import type { OsAdapter } from './os/os-adapter'

export function vipKey(v: VipConfig): string {
  return `${v.address}/${v.prefix}`
}

export class InstanceVips {
  private readonly heldKeys = new Set<string>()

  constructor(private readonly os: OsAdapter, private readonly cfg: () => InstanceConfig, private readonly log: LogFn) {}

  private dev(v: VipConfig): string {
    return v.dev ?? this.cfg().interface
  }

  addAll(): Promise<void> {
    return this.forEach('add', async (v, dev) => {
      await this.os.addVip(v, dev)
      this.heldKeys.add(vipKey(v))
    })
  }

  removeAll(): Promise<void> {
    return this.forEach('remove', async (v, dev) => {
      await this.os.removeVip(v, dev)
      this.heldKeys.delete(vipKey(v))
    })
  }

  async garpAll(): Promise<void> {
    await Promise.all(this.cfg().vips.map((v) => this.os.sendGarp(v.address, this.dev(v)).catch((err: Error) => this.log('warn', err.message))))
  }

  /** "A.B.C.D/P" of each VIP on the interface now. */
  held(): string[] {
    return [...this.heldKeys]
  }

  /** Every configured VIP is held (false when none is configured). */
  holdsAll(): boolean {
    const vips = this.cfg().vips
    return vips.length > 0 && vips.every((v) => this.heldKeys.has(vipKey(v)))
  }

  private async forEach(verb: 'add' | 'remove', op: (v: VipConfig, dev: string) => Promise<void>): Promise<void> {
    const errors: string[] = []
    for (const v of this.cfg().vips) {
      try {
        await op(v, this.dev(v))
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    if (errors.length > 0) throw new Error(`could not ${verb} every VIP: ${errors.join('; ')}`)
  }
}
