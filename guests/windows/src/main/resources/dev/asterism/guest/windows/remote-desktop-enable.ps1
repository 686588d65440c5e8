# Remote desktop on, with network level authentication, on the given port, started now and at every boot. Who may
# reach it is the firewall baseline's business (the overlay only). In: ASTERISM_PORT.
$server = 'HKLM:\System\CurrentControlSet\Control\Terminal Server'
$station = "$server\WinStations\RDP-Tcp"
Set-ItemProperty $server -Name fDenyTSConnections -Value 0
Set-ItemProperty $station -Name UserAuthentication -Value 1
$port = [int]$env:ASTERISM_PORT
$restart = (Get-ItemProperty $station).PortNumber -ne $port
Set-ItemProperty $station -Name PortNumber -Value $port
Set-Service TermService -StartupType Automatic
if ($restart) { Restart-Service TermService -Force } else { Start-Service TermService }
Write-Output "remote desktop on port $port"
