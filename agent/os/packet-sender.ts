/**
 * Sends whole Ethernet frames (gratuitous ARP) through a packet socket held open by a small
 * long-lived helper, since Node has no AF_PACKET socket and raw-socket only opens IP sockets.
 * The helper is a few lines of Perl (perl-base is Essential on Debian and Ubuntu) or Python
 * (present on RHEL 8+ as platform-python): it opens one AF_PACKET socket, says "ready", then
 * for each line "<ifindex> <frame in hex>" on stdin writes the frame on that interface and
 * answers "ok" or "err <reason>" ("ping" is answered "ok" and sends nothing). The agent
 * builds every byte of the frame (arp-frame.ts); the helper only moves it. Sending costs a pipe
 * write instead of starting arping.
 */
import { existsSync } from 'node:fs'
import { Coprocess, CoprocessError } from './coprocess'

const PERL_HELPER = `
use strict; use warnings; use Socket qw(SOCK_RAW);
$| = 1;
socket(my $s, 17, SOCK_RAW, 0) or do { print "fail packet socket: $!\\n"; exit 1 };
print "ready\\n";
while (defined(my $l = <STDIN>)) {
  if ($l eq "ping\\n") { print "ok\\n"; next }
  my ($if, $hex) = split ' ', $l;
  unless (defined $hex && $if =~ /^[0-9]{1,10}$/ && $hex =~ /^(?:[0-9a-f]{2}){14,1514}$/) { print "err malformed request\\n"; next }
  my $f = pack('H*', $hex);
  my $to = pack('S n i S C C a8', 17, unpack('n', substr($f, 12, 2)), $if, 0, 0, 6, substr($f, 0, 6));
  if (defined send($s, $f, 0, $to)) { print "ok\\n" } else { print "err $!\\n" }
}
`

const PYTHON_HELPER = `
import re, socket, sys
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
except OSError as e:
    print('fail packet socket: ' + str(e.strerror), flush=True)
    sys.exit(1)
print('ready', flush=True)
while True:
    l = sys.stdin.readline()
    if not l:
        break
    if l == 'ping\\n':
        print('ok', flush=True)
        continue
    p = l.split()
    try:
        if len(p) != 2 or not re.fullmatch('[0-9]{1,10}', p[0]) or not re.fullmatch('(?:[0-9a-f]{2}){14,1514}', p[1]):
            raise ValueError('malformed request')
        f = bytes.fromhex(p[1])
        s.sendto(f, (socket.if_indextoname(int(p[0])), int.from_bytes(f[12:14], 'big')))
        print('ok', flush=True)
    except Exception as e:
        print('err ' + str(getattr(e, 'strerror', None) or e), flush=True)
`

export interface HelperProgram {
  /** 'perl' or 'python'. */
  kind: string
  file: string
  args: string[]
}

/** The interpreters a node may have, in the order they are tried. */
export function defaultHelpers(exists: (path: string) => boolean = existsSync): HelperProgram[] {
  const out: HelperProgram[] = []
  for (const f of ['/usr/bin/perl', '/bin/perl']) if (exists(f)) { out.push({ kind: 'perl', file: f, args: ['-e', PERL_HELPER] }); break }
  for (const f of ['/usr/bin/python3', '/usr/libexec/platform-python', '/bin/python3']) if (exists(f)) { out.push({ kind: 'python', file: f, args: ['-c', PYTHON_HELPER] }); break }
  return out
}

/** The helper answered "err ...": the kernel refused the frame (interface down or gone, ...). */
export class SendError extends Error {}

export class PacketSender {
  private co?: Coprocess
  private chosen?: HelperProgram
  private starting?: Promise<HelperProgram>

  constructor(private readonly helpers: HelperProgram[] = defaultHelpers(), private readonly startTimeoutMs = 5000) {}

  /** Which helper is in use, once start() succeeded. */
  get helper(): HelperProgram | undefined {
    return this.chosen
  }

  get pid(): number | undefined {
    return this.co?.pid
  }

  /**
   * Starts the first helper that opens its packet socket. Rejects, naming what each one said,
   * when none can (no interpreter, or no CAP_NET_RAW).
   */
  start(): Promise<HelperProgram> {
    if (this.chosen && this.co) return this.co.start().then(() => this.chosen!)
    this.starting ??= this.pick().finally(() => (this.starting = undefined))
    return this.starting
  }

  private async pick(): Promise<HelperProgram> {
    const why: string[] = []
    for (const h of this.helpers) {
      const co = new Coprocess({
        name: `packet sender (${h.kind})`,
        file: h.file,
        args: h.args,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
        startTimeoutMs: this.startTimeoutMs,
        ready: (line, stream) => stream === 'stdout' && line === 'ready'
      })
      try {
        await co.start()
        this.co = co
        this.chosen = h
        return h
      } catch (err) {
        why.push(`${h.file}: ${(err as Error).message}`)
        await co.close(0)
      }
    }
    throw new Error(why.length === 0 ? 'no perl or python3 to hold a packet socket' : why.join('; '))
  }

  /**
   * Writes `frame` on interface `ifindex`. Rejects with SendError when the kernel refused it, or
   * with a CoprocessError when the helper could not be run (it is started again next time).
   */
  async send(ifindex: number, frame: Buffer, timeoutMs = 1000): Promise<void> {
    if (!Number.isInteger(ifindex) || ifindex <= 0) throw new SendError(`bad interface index ${ifindex}`)
    await this.start()
    const answer = await this.co!.request<string>(`${ifindex} ${frame.toString('hex')}\n`, (line, stream) => {
      if (stream !== 'stdout') return undefined
      return line === 'ok' || line.startsWith('err') ? line : undefined
    }, timeoutMs)
    if (answer !== 'ok') throw new SendError(answer.replace(/^err ?/, '') || 'unknown error')
  }

  /** A round trip that sends nothing: checks the helper answers, and runs the send path's code once. */
  async ping(timeoutMs = 1000): Promise<void> {
    await this.start()
    await this.co!.request(`ping\n`, (line, stream) => (stream === 'stdout' && line === 'ok' ? true : undefined), timeoutMs)
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => undefined)
    await this.co?.close()
  }
}

export { CoprocessError }
