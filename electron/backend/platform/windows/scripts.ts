// Every PowerShell script the app runs on a Windows node, by name. Each body runs inside the
// frame of encoded-command.ts (preferences, language-mode check, try/catch, one JSON
// document out) and reads its values from $HavipParams only: never from text spliced in.
// A body ends with the one value it returns (a hashtable; arrays wrapped in @() so that a
// single element stays an array through ConvertTo-Json). Enums are cast to [string] so the
// JSON carries names; the parsers accept Windows PowerShell 5.1's numbers as well.

import { WINDOWS_AGENT_SCRIPTS } from './agent-scripts'
import { WINDOWS_DEPLOY_SCRIPTS } from './deploy-scripts'

export interface WindowsScript {
  /** What it reads or changes, for logs and the fixture index. */
  description: string
  /** ConvertTo-Json -Depth for the result. */
  depth: number
  /** Whether it changes the node (capture mode asks before running those). */
  changesNode: boolean
  body: string
}

const probe: WindowsScript = {
  description: 'Connect probe: PowerShell version and language mode, the login and whether its token is elevated, OS caption and build.',
  depth: 3,
  changesNode: false,
  body: `$id=[Security.Principal.WindowsIdentity]::GetCurrent()
$o=Get-CimInstance Win32_OperatingSystem
@{psVersion=$PSVersionTable.PSVersion.ToString();psEdition=[string]$PSVersionTable.PSEdition;languageMode=$HavipMode
user=$id.Name;elevated=([Security.Principal.WindowsPrincipal]$id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
caption=$o.Caption;build=$o.BuildNumber}`
}

const osInfo: WindowsScript = {
  description: 'Edition, version and build (with update revision), architecture, host name and domain, Node.js on the PATH.',
  depth: 3,
  changesNode: false,
  body: `$o=Get-CimInstance Win32_OperatingSystem
$c=Get-CimInstance Win32_ComputerSystem
$v=Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'
$n=Get-Command node.exe -CommandType Application -ErrorAction SilentlyContinue|Select-Object -First 1
$nv=$null
if($n){try{$nv=[string](& $n.Source --version|Select-Object -First 1)}catch{$nv=$null}}
@{caption=$o.Caption;version=$o.Version;build=$o.BuildNumber;ubr=$v.UBR;editionId=$v.EditionID;displayVersion=$v.DisplayVersion
installationType=$v.InstallationType;osArchitecture=$o.OSArchitecture;cpuArchitecture=$env:PROCESSOR_ARCHITECTURE;productType=$o.ProductType
hostname=$c.DNSHostName;domain=$c.Domain;partOfDomain=$c.PartOfDomain;nodePath=$(if($n){$n.Source}else{$null});nodeVersion=$nv}`
}

const network: WindowsScript = {
  description: 'Adapters, their IP addresses (origin, SkipAsSource, store), IPv4 interface configuration (DHCP or static) and default routes.',
  depth: 4,
  changesNode: false,
  body: `$a=@(Get-NetAdapter|ForEach-Object{@{name=$_.Name;ifIndex=$_.ifIndex;description=$_.InterfaceDescription;mac=$_.MacAddress;status=[string]$_.Status;mtu=$_.MtuSize}})
$ip=@(Get-NetIPAddress|ForEach-Object{@{ifIndex=$_.InterfaceIndex;alias=$_.InterfaceAlias;family=[string]$_.AddressFamily;address=$_.IPAddress;prefix=$_.PrefixLength;origin=[string]$_.PrefixOrigin;skipAsSource=$_.SkipAsSource;store=[string]$_.Store}})
$if=@(Get-NetIPInterface -AddressFamily IPv4|ForEach-Object{@{ifIndex=$_.InterfaceIndex;alias=$_.InterfaceAlias;dhcp=[string]$_.Dhcp;mtu=$_.NlMtu;state=[string]$_.ConnectionState}})
$r=@(Get-NetRoute -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue|ForEach-Object{@{ifIndex=$_.InterfaceIndex;alias=$_.InterfaceAlias;nextHop=$_.NextHop;metric=$_.RouteMetric}})
@{adapters=$a;addresses=$ip;ipInterfaces=$if;defaultRoutes=$r}`
}

const firewall: WindowsScript = {
  description: 'Firewall profiles (enabled, default inbound action) and the network category of each connected interface.',
  depth: 4,
  changesNode: false,
  body: `$p=@(Get-NetFirewallProfile -PolicyStore ActiveStore|ForEach-Object{@{name=$_.Name;enabled=[string]$_.Enabled;defaultInboundAction=[string]$_.DefaultInboundAction;defaultOutboundAction=[string]$_.DefaultOutboundAction}})
$c=@(Get-NetConnectionProfile -ErrorAction SilentlyContinue|ForEach-Object{@{alias=$_.InterfaceAlias;ifIndex=$_.InterfaceIndex;category=[string]$_.NetworkCategory}})
@{profiles=$p;connections=$c}`
}

const vrrpFirewallRule: WindowsScript = {
  description: 'Creates (or replaces) the inbound rule that admits VRRP (IP protocol 112) from the cluster peers only. Needs an administrator.',
  depth: 3,
  changesNode: true,
  body: `$n=[string]$HavipParams.name
$peers=@($HavipParams.peers|ForEach-Object{[string]$_})
Get-NetFirewallRule -Name $n -ErrorAction SilentlyContinue|Remove-NetFirewallRule
$r=New-NetFirewallRule -Name $n -DisplayName ([string]$HavipParams.displayName) -Direction Inbound -Protocol 112 -RemoteAddress $peers -Action Allow -Profile Any
@{name=$r.Name;enabled=[string]$r.Enabled;action=[string]$r.Action}`
}

const vrrpFirewallCheck: WindowsScript = {
  description: 'Firewall profiles and every rule that names IP protocol 112 (VRRP): direction, action, profiles, remote addresses.',
  depth: 4,
  changesNode: false,
  body: `$p=@(Get-NetFirewallProfile -PolicyStore ActiveStore|ForEach-Object{@{name=$_.Name;enabled=[string]$_.Enabled;defaultInboundAction=[string]$_.DefaultInboundAction}})
$r=@(Get-NetFirewallPortFilter -PolicyStore ActiveStore|Where-Object{$_.Protocol -eq '112' -or $_.Protocol -eq 'VRRP'}|ForEach-Object{$x=$_|Get-NetFirewallRule;$a=$x|Get-NetFirewallAddressFilter
@{name=$x.Name;displayName=$x.DisplayName;enabled=[string]$x.Enabled;direction=[string]$x.Direction;action=[string]$x.Action;profile=[string]$x.Profile;remoteAddress=@($a.RemoteAddress|ForEach-Object{[string]$_})}})
@{profiles=$p;rules=$r}`
}

const vipCheck: WindowsScript = {
  description: 'Who holds the VIP ($HavipParams.vip): this node\'s own addresses, a Failover Clustering IP Address resource, a neighbour answering ARP after one ping.',
  depth: 4,
  changesNode: false,
  body: `$v=[string]$HavipParams.vip
$own=@(Get-NetIPAddress -IPAddress $v -ErrorAction SilentlyContinue|ForEach-Object{@{alias=$_.InterfaceAlias;skipAsSource=$_.SkipAsSource;store=[string]$_.Store}})
$cs=Get-Service ClusSvc -ErrorAction SilentlyContinue
$cl=@()
if($cs -and [string]$cs.Status -eq 'Running'){try{Import-Module FailoverClusters;$cl=@(Get-ClusterResource|Where-Object{$_.ResourceType -like 'IP Address'}|ForEach-Object{@{name=$_.Name;group=[string]$_.OwnerGroup;state=[string]$_.State;address=[string]($_|Get-ClusterParameter -Name Address).Value}})}catch{$cl=@(@{error=$_.Exception.Message})}}
$null=Test-Connection -ComputerName $v -Count 1 -Quiet -ErrorAction SilentlyContinue
$n=@(Get-NetNeighbor -IPAddress $v -ErrorAction SilentlyContinue|ForEach-Object{@{alias=$_.InterfaceAlias;mac=$_.LinkLayerAddress;state=[string]$_.State}})
@{own=$own;clusSvc=$(if($cs){[string]$cs.Status}else{$null});clusterAddresses=$cl;neighbors=$n}`
}

const timeStatus: WindowsScript = {
  description: 'The node\'s clock (Unix milliseconds, UTC) and the Windows Time service\'s status (w32tm /query /status, as printed).',
  depth: 3,
  changesNode: false,
  body: `$t=[DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
try{$s=@(& w32tm.exe /query /status|ForEach-Object{[string]$_});$x=$LASTEXITCODE}catch{$s=@($_.Exception.Message);$x=-1}
@{nowMs=$t;w32tmExit=$x;w32tm=$s}`
}

const placeFile: WindowsScript = {
  description: 'Finishes an upload: checks the SHA-256 of the temp file SFTP wrote ($HavipParams.temp), then renames it over the destination (File.Replace when it exists, so the old file is never missing); a mismatch removes the temp file.',
  depth: 3,
  changesNode: true,
  body: `$t=[string]$HavipParams.temp;$d=[string]$HavipParams.dest
$h=(Get-FileHash -LiteralPath $t -Algorithm SHA256).Hash.ToLowerInvariant()
if($h -ne [string]$HavipParams.sha256){Remove-Item -LiteralPath $t -Force;@{placed=$false;sha256=$h}}
else{if([IO.File]::Exists($d)){[IO.File]::Replace($t,$d,[NullString]::Value)}else{[IO.File]::Move($t,$d)};@{placed=$true;sha256=$h}}`
}

const removeFile: WindowsScript = {
  description: 'Removes a file if it is there ($HavipParams.path): the clean-up of an upload that did not finish.',
  depth: 2,
  changesNode: true,
  body: `$p=[string]$HavipParams.path
$e=Test-Path -LiteralPath $p -PathType Leaf
if($e){Remove-Item -LiteralPath $p -Force}
@{removed=$e}`
}

const runArgv: WindowsScript = {
  description: 'Runs a program with arguments given as data ($HavipParams.argv), for PlatformAdapter.commandLine: output and exit code come back in the JSON.',
  depth: 3,
  changesNode: true,
  body: `$a=@($HavipParams.argv|ForEach-Object{[string]$_})
$rest=@();if($a.Count -gt 1){$rest=$a[1..($a.Count-1)]}
# Windows PowerShell 5.1 turns a native program's stderr under 2>&1 into errors that 'Stop' would throw.
$ErrorActionPreference='Continue'
$o=& $a[0] @rest 2>&1|Out-String
@{exitCode=$LASTEXITCODE;output=$o}`
}

export const WINDOWS_SCRIPTS = {
  probe,
  'os-info': osInfo,
  network,
  firewall,
  'vrrp-firewall-rule': vrrpFirewallRule,
  'vrrp-firewall-check': vrrpFirewallCheck,
  'vip-check': vipCheck,
  'time-status': timeStatus,
  'place-file': placeFile,
  'remove-file': removeFile,
  'run-argv': runArgv,
  ...WINDOWS_DEPLOY_SCRIPTS,
  ...WINDOWS_AGENT_SCRIPTS
} as const satisfies Record<string, WindowsScript>

export type WindowsScriptName = keyof typeof WINDOWS_SCRIPTS

export function isWindowsScriptName(name: string): name is WindowsScriptName {
  return Object.prototype.hasOwnProperty.call(WINDOWS_SCRIPTS, name)
}
