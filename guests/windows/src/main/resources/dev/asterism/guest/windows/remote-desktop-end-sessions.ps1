# Signs the user out of every session on this computer and ends their remaining processes. In: ASTERISM_USER.
$lines = quser 2>$null | Select-Object -Skip 1
foreach ($line in $lines) {
    $fields = $line.Trim().TrimStart('>') -split '\s+'
    if ($fields[0] -ieq $env:ASTERISM_USER) {
        $id = $fields | Where-Object { $_ -match '^\d+$' } | Select-Object -First 1
        if ($id) { logoff $id }
    }
}
Get-CimInstance Win32_Process | ForEach-Object {
    $owner = Invoke-CimMethod -InputObject $_ -MethodName GetOwner
    if ($owner.User -ieq $env:ASTERISM_USER) { Stop-Process -Id $_.ProcessId -Force -ErrorAction SilentlyContinue }
}
Write-Output "sessions of $env:ASTERISM_USER ended"
