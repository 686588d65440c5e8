# Remote desktop on, with network level authentication, on the given port, started now and at every boot. Who may
# reach it is the firewall baseline's business (the overlay only); who may sign in is the domain group of the
# constellation's people, and each of them finds the constellation's share as drive S: when they sign in.
# In: ASTERISM_PORT, ASTERISM_USERS_GROUP, ASTERISM_SHARE (\\controller\share).
$server = 'HKLM:\System\CurrentControlSet\Control\Terminal Server'
$station = "$server\WinStations\RDP-Tcp"
Set-ItemProperty $server -Name fDenyTSConnections -Value 0
Set-ItemProperty $station -Name UserAuthentication -Value 1
$port = [int]$env:ASTERISM_PORT
$restart = (Get-ItemProperty $station).PortNumber -ne $port
Set-ItemProperty $station -Name PortNumber -Value $port
# The clipboard is off until the constellation's rule says otherwise (remote-desktop-clipboard).
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
if (-not (Test-Path $policy)) { New-Item -Path $policy -Force | Out-Null }
if ($null -eq (Get-ItemProperty $policy).fDisableClip) { Set-ItemProperty $policy -Name fDisableClip -Value 1 -Type DWord }
Set-Service TermService -StartupType Automatic
if ($restart) { Restart-Service TermService -Force } else { Start-Service TermService }
# Only the constellation's people: the domain's group, and nobody else, in Remote Desktop Users.
$domain = (Get-CimInstance Win32_NTDomain | Where-Object DnsForestName | Select-Object -First 1).DomainName
$group = "$domain\$env:ASTERISM_USERS_GROUP"
$present = Get-LocalGroupMember -Group 'Remote Desktop Users' | Where-Object Name -ieq $group
if (-not $present) { Add-LocalGroupMember -Group 'Remote Desktop Users' -Member $group }
# The share as drive S: at every sign-in, with the signed-in user's own credentials.
$action = New-ScheduledTaskAction -Execute 'net.exe' -Argument "use S: $env:ASTERISM_SHARE /persistent:no"
$principal = New-ScheduledTaskPrincipal -GroupId 'BUILTIN\Users'
Register-ScheduledTask -TaskName 'Asterism share' -Action $action -Principal $principal `
    -Trigger (New-ScheduledTaskTrigger -AtLogOn) -Force | Out-Null
Write-Output "remote desktop on port $port for $group"
