# Joins this computer to the domain as the computer account the controller preset for it, with that account's
# one-time password: an unsecured join, so no domain credential ever reaches this guest. The new name and the
# domain take effect at the next start; the platform restarts the computer after this script.
# In: ASTERISM_DOMAIN, ASTERISM_CONTROLLER, ASTERISM_COMPUTER, ASTERISM_ONE_TIME_PASSWORD.
$system = Get-CimInstance Win32_ComputerSystem
if ($system.PartOfDomain -and $system.Domain -ieq $env:ASTERISM_DOMAIN -and $system.Name -ieq $env:ASTERISM_COMPUTER) {
    Write-Output 'joined already'
    exit 0
}
# The domain's names come from its controller only.
Get-NetAdapter | Where-Object Status -eq 'Up' | ForEach-Object {
    Set-DnsClientServerAddress -InterfaceIndex $_.ifIndex -ServerAddresses $env:ASTERISM_CONTROLLER
}
# An unsecured join takes no user name: the password is the preset account's.
$credential = New-Object pscredential -ArgumentList ([pscustomobject]@{
    UserName = $null
    Password = (ConvertTo-SecureString -String $env:ASTERISM_ONE_TIME_PASSWORD -AsPlainText -Force)[0]
})
Add-Computer -DomainName $env:ASTERISM_DOMAIN -NewName $env:ASTERISM_COMPUTER -Credential $credential `
    -Options UnsecuredJoin, PasswordPass, JoinWithNewName -Force
Write-Output 'joined; the computer restarts to complete it'
