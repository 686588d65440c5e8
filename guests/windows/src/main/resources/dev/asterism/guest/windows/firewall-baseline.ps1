# The member's baseline: Windows Firewall on for every profile, inbound blocked by default, and only the rules of
# the baseline allowed, each from its source subnet. Windows' own inbound allow rules are switched off: they would
# let through what the baseline does not name. Rebuilt from nothing each time, so repeating it changes nothing.
# In: ASTERISM_RULES, one rule per line: PROTOCOL FIRST-LAST SOURCE/PREFIX (protocol TCP, UDP or ICMPv4).
Set-NetFirewallProfile -All -Enabled True -DefaultInboundAction Block -DefaultOutboundAction Allow
Get-NetFirewallRule -Group 'Asterism' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
Get-NetFirewallRule -Direction Inbound -Action Allow -Enabled True |
    Where-Object { $_.Group -ne 'Asterism' } | Disable-NetFirewallRule
$index = 0
foreach ($line in ($env:ASTERISM_RULES -split "`n")) {
    if (-not $line.Trim()) { continue }
    $protocol, $ports, $source = $line.Trim() -split ' '
    $index++
    $rule = @{
        Group = 'Asterism'; DisplayName = "Asterism baseline $index"; Direction = 'Inbound'; Action = 'Allow'
        Protocol = $protocol; RemoteAddress = $source; Profile = 'Any'
    }
    if ($protocol -eq 'ICMPv4') { $rule.IcmpType = '8' } else { $rule.LocalPort = $ports }
    New-NetFirewallRule @rule | Out-Null
}
Write-Output "baseline of $index rules"
