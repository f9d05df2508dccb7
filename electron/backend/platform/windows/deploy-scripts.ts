// The PowerShell scripts of the Windows deploy service (electron/backend/deploy/windows/), by
// name, merged into WINDOWS_SCRIPTS. Paths are constants written in the text (the layout of
// deploy/windows/windows-layout.ts); the only values, a release name and a service action, come
// from $HavipParams and are checked again here before they touch a path or a switch.
import type { WindowsScript } from './scripts'

// Kept in step with deploy/windows/windows-layout.ts (a unit test compares them).
const ROOTS = `$R='C:\\Program Files\\HAVIP';$D='C:\\ProgramData\\HAVIP';$N='havip-agent'`

const deployInspect: WindowsScript = {
  description:
    'What HAVIP put on the node: complete releases (those with SHA256SUMS), current.json, the uploaded runtimes (runtime\\node-v*) and their versions, the service wrapper\'s SHA-256, a Node.js on the PATH (version/ABI), the havip-agent service, cluster.json as text, free bytes on C:.',
  depth: 4,
  changesNode: false,
  body: `${ROOTS}
function T($p){Test-Path -LiteralPath $p}
function F($p){if(T $p){[IO.File]::ReadAllText($p)}else{$null}}
$rel=@();if(T "$R\\releases"){$rel=@(Get-ChildItem -LiteralPath "$R\\releases" -Directory|Where-Object{T "$($_.FullName)\\SHA256SUMS"}|ForEach-Object{$_.Name})}
$rt=@();if(T "$R\\runtime"){$rt=@(Get-ChildItem -LiteralPath "$R\\runtime" -Directory|ForEach-Object{$v='unrunnable';try{$v=[string](& "$($_.FullName)\\node.exe" --version)}catch{};@{dir=$_.Name;version=$v}})}
$ws=$null;if(T "$R\\service\\havip-agent.exe"){$ws=(Get-FileHash -LiteralPath "$R\\service\\havip-agent.exe").Hash.ToLowerInvariant()}
$n=Get-Command node.exe -CommandType Application -ErrorAction SilentlyContinue|Where-Object{-not $_.Source.StartsWith("$R\\")}|Select-Object -First 1
$nv=$null;if($n){try{$nv=[string](& $n.Source -p "process.version+'/'+process.versions.modules")}catch{}}
$s=Get-Service -Name $N -ErrorAction SilentlyContinue
$free=$null;try{$free=[int64](Get-PSDrive -Name C -PSProvider FileSystem).Free}catch{}
@{releases=$rel;current=(F "$R\\current.json");uploadedRuntimes=$rt;wrapperSha256=$ws;systemNode=$(if($n){$n.Source});systemNodeVersion=$nv
service=$(if($s){@{status=[string]$s.Status;startType=[string]$s.StartType}});clusterJson=(F "$D\\cluster.json");freeBytes=$free}`
}

const deployPrepare: WindowsScript = {
  description:
    'Creates the folders of a release ($HavipParams.release, and of a Node.js runtime, $HavipParams.runtime, when one is uploaded) under C:\\Program Files\\HAVIP and C:\\ProgramData\\HAVIP (with logs), and gives C:\\ProgramData\\HAVIP an ACL of SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, inheritance removed; returns the ACL as read back.',
  depth: 5,
  changesNode: true,
  body: `${ROOTS}
$v=[string]$HavipParams.release
if($v -cnotmatch '^[0-9A-Za-z][0-9A-Za-z.+-]{0,79}$'){throw [ArgumentException]'the release name must be letters, digits and . + - only'}
$rn=$HavipParams.runtime;$ps=@("$R\\releases\\$v\\prebuilds\\win32-x64","$R\\service",$D,"$D\\logs")
if($null -ne $rn){$rn=[string]$rn;if($rn -cnotmatch '^node-v[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$'){throw [ArgumentException]'the runtime folder must be node-v<x.y.z>'};$ps+="$R\\runtime\\$rn"}
foreach($p in $ps){$null=[IO.Directory]::CreateDirectory($p)}
$acl=New-Object Security.AccessControl.DirectorySecurity
$acl.SetAccessRuleProtection($true,$false)
foreach($sid in 'S-1-5-18','S-1-5-32-544'){$acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule((New-Object Security.Principal.SecurityIdentifier $sid),'FullControl','ContainerInherit,ObjectInherit','None','Allow')))}
$acl.SetOwner((New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-544'))
Set-Acl -LiteralPath $D -AclObject $acl
$g=Get-Acl -LiteralPath $D
$rules=@($g.Access|ForEach-Object{@{sid=$_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value;rights=[string]$_.FileSystemRights;type=[string]$_.AccessControlType;inherited=$_.IsInherited}})
@{release=$v;acl=@{protected=$g.AreAccessRulesProtected;rules=$rules}}`
}

const deployService: WindowsScript = {
  description:
    'The havip-agent service ($HavipParams.action: install through the WinSW wrapper in C:\\Program Files\\HAVIP\\service, start, stop); a failed start comes back as a value with the end of the agent\'s logs, not as an exception.',
  depth: 4,
  changesNode: true,
  body: `${ROOTS}
$a=[string]$HavipParams.action;$W="$R\\service\\havip-agent.exe";$err=$null
$s=Get-Service -Name $N -ErrorAction SilentlyContinue
switch -CaseSensitive ($a){
'install'{if(-not $s){$ErrorActionPreference='Continue';$o=& $W install 2>&1|Out-String;$x=$LASTEXITCODE;$ErrorActionPreference='Stop';if($x -ne 0){throw [InvalidOperationException]"WinSW install exited with $x\`: $o"}}}
'start'{if(-not $s){throw [InvalidOperationException]"the service $N is not installed"};try{Start-Service -Name $N;(Get-Service -Name $N).WaitForStatus('Running',[TimeSpan]::FromSeconds(20))}catch{$err=$_.Exception.Message}}
'stop'{if($s -and [string]$s.Status -ne 'Stopped'){Stop-Service -Name $N -Force;(Get-Service -Name $N).WaitForStatus('Stopped',[TimeSpan]::FromSeconds(30))}}
default{throw [ArgumentException]'the service action must be install, start or stop'}}
$s=Get-Service -Name $N -ErrorAction SilentlyContinue
$tail=@();if($err){foreach($f in 'havip-agent.err.log','havip-agent.out.log','havip-agent.wrapper.log'){$p="$D\\logs\\$f";if(Test-Path -LiteralPath $p){$tail+=@(Get-Content -LiteralPath $p -Tail 10|ForEach-Object{"$f\`: $_"})}}}
@{action=$a;status=$(if($s){[string]$s.Status}else{$null});startType=$(if($s){[string]$s.StartType}else{$null});error=$err;logTail=$tail}`
}

const deployRemove: WindowsScript = {
  description:
    'Removes everything HAVIP put on the node: stops and deletes the havip-agent service (sc.exe delete), the HAVIP-VRRP-IP112 firewall rule, C:\\Program Files\\HAVIP (releases, our runtime, the wrapper) and C:\\ProgramData\\HAVIP; returns what is still there.',
  depth: 3,
  changesNode: true,
  body: `${ROOTS}
$s=Get-Service -Name $N -ErrorAction SilentlyContinue
if($s){if([string]$s.Status -ne 'Stopped'){Stop-Service -Name $N -Force;(Get-Service -Name $N).WaitForStatus('Stopped',[TimeSpan]::FromSeconds(30))}
$ErrorActionPreference='Continue';$null=& sc.exe delete $N 2>&1;$ErrorActionPreference='Stop'}
$fw=@(Get-NetFirewallRule -Name 'HAVIP-VRRP-IP112' -ErrorAction SilentlyContinue)
$fw|Remove-NetFirewallRule
# A file still in use (node.exe a moment after the stop) must not hide the rest: what stays is reported in left.
foreach($p in $R,$D){if(Test-Path -LiteralPath $p){try{Remove-Item -LiteralPath $p -Recurse -Force}catch{$null=$_}}}
$left=@(@($R,$D)|Where-Object{Test-Path -LiteralPath $_})
if(Get-Service -Name $N -ErrorAction SilentlyContinue){$left+="service $N"}
@{serviceRemoved=[bool]$s;firewallRulesRemoved=$fw.Count;left=$left}`
}

const clusterRead: WindowsScript = {
  description:
    "What a node says about its cluster, for Connect to Cluster and the cluster's node list: C:\\ProgramData\\HAVIP\\cluster.json as text, C:\\Program Files\\HAVIP\\current.json (the release that runs) and the havip-agent service's status. Reads only; cheaper than deploy-inspect (it runs no node.exe and hashes nothing).",
  depth: 3,
  changesNode: false,
  body: `${ROOTS}
function F($p){if(Test-Path -LiteralPath $p -PathType Leaf){[IO.File]::ReadAllText($p)}else{$null}}
$s=Get-Service -Name $N -ErrorAction SilentlyContinue
@{clusterJson=(F "$D\\cluster.json");current=(F "$R\\current.json");service=$(if($s){[string]$s.Status}else{$null})}`
}

export const WINDOWS_DEPLOY_SCRIPTS = {
  'deploy-inspect': deployInspect,
  'deploy-prepare': deployPrepare,
  'deploy-service': deployService,
  'deploy-remove': deployRemove,
  'cluster-read': clusterRead
} as const satisfies Record<string, WindowsScript>
