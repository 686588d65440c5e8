# Points every adapter's DNS at the domain controller's overlay address, so that Kerberos and name lookups for the
# domain go through the VPN once the join ports are closed. In: ASTERISM_CONTROLLER.
Get-NetAdapter | Where-Object Status -eq 'Up' | ForEach-Object {
    Set-DnsClientServerAddress -InterfaceIndex $_.ifIndex -ServerAddresses $env:ASTERISM_CONTROLLER
}
