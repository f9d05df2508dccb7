// The PowerShell scripts of the live console on a Windows node (electron/backend/live/ through
// live/windows-agent-access.ts), merged into WINDOWS_SCRIPTS: one `ctl` command, the live feed
// (a long-running stream: `ctl watch --json` as it comes plus `ctl status --json` every period),
// and the reachability probe stream (`havip-agent probe --json`). Each reads which node.exe and
// release to run from current.json (deploy/windows/windows-layout.ts), so no path is passed in;
// the only values (ctl arguments, the period, the probe's target and timings) come from
// $HavipParams and are checked again here before they reach a command line.
//
// ($ErrorActionPreference=2 is Continue: a native command's stderr must not stop the feed.)
// The agent runs through PowerShell's call operator (which quotes each argument for the native
// command line); only the feed's `ctl watch` is a System.Diagnostics.Process, whose output is
// read asynchronously between the status runs. Streamed lines are written as they come. A
// stream ends when writing fails (the SSH channel is gone): the feed's finally kills its watch;
// see docs/windows-test-plan.md for how the SSH server ends the rest.
import type { WindowsScript } from './scripts'

/** The feed's marker for "ctl status failed" (live/agent-report.ts AGENT_DOWN_MARK; a unit test compares them). */
export const WINDOWS_AGENT_DOWN_MARK = 'havip-live: agent-down '

// Kept in step with deploy/windows/windows-layout.ts (a unit test compares them). Kept short:
// the whole encoded command must stay under MAX_COMMAND_CHARS.
const BT = '`'
const NL = `"${BT}n"`
/** Cur: what current.json names (or $null; $NI says why); Ag: the release's agent file. */
const CURRENT = String.raw`$R='C:\Program Files\HAVIP';$NI="the agent is not installed on this node (no $R\current.json)"
function Cur{$f="$R\current.json";if(Test-Path -LiteralPath $f){$c=gc -Raw -LiteralPath $f|ConvertFrom-Json
if([string]$c.release -notmatch '^\w[\w.+-]{0,79}$' -or !$c.node){throw "$f names no release and node.exe"};$c}}
function Ag($c){"$R\releases\$($c.release)\havip-agent.cjs"}`
/** W: one line out, as it comes. */
const WRITE_LINE = `function W($s){[Console]::Out.Write("$s${BT}n")}`

/** One argument of `ctl`: a command, a role name, an option or a number (what agent-commands.ts sends). */
const CTL_ARG = String.raw`'^(--)?[A-Za-z0-9][A-Za-z0-9.:_-]{0,63}$'`

const agentCtl: WindowsScript = {
  description:
    'One `havip-agent ctl` command ($HavipParams.args, e.g. status --json, takeover vip1 --json) with the node.exe and release current.json names: its exit code, stdout and stderr; installed=false when there is no current.json.',
  depth: 3,
  changesNode: true,
  body: String.raw`${CURRENT}
$a=@($HavipParams.args|%{[string]$_});foreach($x in $a){if($x -cnotmatch ${CTL_ARG}){throw [ArgumentException]"not a ctl argument: $x"}}
$c=Cur;if(!$c){@{installed=$false;stderr=$NI}}else{$ErrorActionPreference='Continue';$o=@(& $c.node (Ag $c) ctl @a 2>&1);$x=$LASTEXITCODE
$e=[Management.Automation.ErrorRecord];@{installed=$true;exitCode=$x;stdout=@($o|?{$_ -isnot $e})-join${NL};stderr=@($o|?{$_ -is $e}|%{"$_"})-join${NL}}}`
}

const agentFeed: WindowsScript = {
  description:
    'The live feed (a stream that runs until the channel closes, or $HavipParams.maxSeconds at most): every line of `ctl watch --json` as it comes (started again a second after it ends), and `ctl status --json` every $HavipParams.periodSeconds; a status that fails prints "havip-live: agent-down " and the last line ctl wrote.',
  depth: 3,
  changesNode: false,
  body: String.raw`${CURRENT}
${WRITE_LINE}
function T($a){[DateTime]::UtcNow.AddSeconds($a)}
$p=$HavipParams;$s=[int]$p.periodSeconds;$x=[int]$p.maxSeconds;if($s -lt 1 -or $s -gt 3600 -or $x -lt 1){throw 'periodSeconds or maxSeconds out of range'}
$ErrorActionPreference=2;$M='${WINDOWS_AGENT_DOWN_MARK}';$wAt=$next=[DateTime]0;$end=T $x
try{while(($now=T 0) -lt $end){
if($t.IsCompleted){$l=$t.Result;if($null -eq $l){$w=$t=$null;$wAt=T 1}else{W $l;$t=$w.StandardOutput.ReadLineAsync()};continue}
if($now -ge $next){$next=T $s;$y=$NI;try{$c=Cur}catch{$c=$null;$y="$_"}
if(!$c){W ($M+$y)}else{$o=@(& $c.node (Ag $c) ctl status --json 2>&1|%{"$_"}|?{$_});if($LASTEXITCODE -eq 0){$o|%{W $_}}else{W ($M+$o[-1])}}}
if($c -and !$w -and $now -ge $wAt){$i=New-Object Diagnostics.ProcessStartInfo($c.node,"${BT}"$(Ag $c)${BT}" ctl watch --json")
$i.UseShellExecute=$false;$i.RedirectStandardOutput=$true;$w=[Diagnostics.Process]::Start($i);$t=$w.StandardOutput.ReadLineAsync()}
if($t){$null=$t.Wait(250)}else{sleep -m 250}}}
finally{if($w -and !$w.HasExited){$w.Kill()}}
@{ranSeconds=$x}`
}

const agentProbe: WindowsScript = {
  description:
    'The reachability probe stream: `havip-agent probe TARGET --interval-ms N --timeout-ms N --count N --json` ($HavipParams.target, intervalMs, timeoutMs; the count makes it last $HavipParams.maxSeconds at most), each result line as it comes; at the end its exit code and the last lines of its stderr.',
  depth: 3,
  changesNode: false,
  body: String.raw`${CURRENT}
${WRITE_LINE}
$g=[string]$HavipParams.target;$i=[int]$HavipParams.intervalMs;$o=[int]$HavipParams.timeoutMs;$n=[Math]::Ceiling([int]$HavipParams.maxSeconds*1000/[Math]::Max(1,$i))
if($g -cnotmatch '^[0-9]{1,3}(\.[0-9]{1,3}){3}$' -or $i -lt 1 -or $o -lt 1 -or $n -lt 1){throw [ArgumentException]'the probe needs an IPv4 target and positive interval, timeout and maxSeconds'}
$c=Cur;if(!$c){@{installed=$false;stderr=$NI}}else{$e=[Management.Automation.ErrorRecord];$err=@()
$ErrorActionPreference='Continue';& $c.node (Ag $c) probe $g --interval-ms $i --timeout-ms $o --count $n --json 2>&1|%{if($_ -is $e){$err=@($err+"$_"|Select-Object -Last 5)}elseif("$_".Trim()){W "$_".Trim()}}
@{installed=$true;exitCode=$LASTEXITCODE;stderr=$err-join${NL}}}`
}

export const WINDOWS_AGENT_SCRIPTS = {
  'agent-ctl': agentCtl,
  'agent-feed': agentFeed,
  'agent-probe': agentProbe
} as const satisfies Record<string, WindowsScript>

/**
 * A stream's own bound on the node, in seconds, for a run the app stops after `runLimitMs`: a
 * little less, so the script ends itself (and says so) before the SSH exec times out, even if the
 * node never notices the channel close (Win32-OpenSSH may leave a command run without a PTY
 * running after its session ended: github.com/PowerShell/Win32-OpenSSH/issues/1751).
 */
export function streamMaxSeconds(runLimitMs: number): number {
  return Math.max(1, Math.floor(runLimitMs / 1000) - 10)
}

/** The scripts that stream lines until stopped (run with PowerShellStreamer.stream, not run). */
export const STREAMING_SCRIPTS: ReadonlySet<string> = new Set(['agent-feed', 'agent-probe'])
