# What domain this computer is in now, as one line: PART_OF_DOMAIN DOMAIN NAME.
$system = Get-CimInstance Win32_ComputerSystem
Write-Output ("{0} {1} {2}" -f $system.PartOfDomain, $system.Domain, $system.Name)
