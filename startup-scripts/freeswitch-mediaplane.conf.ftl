# Installed by mediaplane boot as [=c.paths.systemdDir]/[=c.units.freeswitch].d/[=c.units.freeswitchDropIn]:
# FreeSWITCH reads the active release's configuration, never the package's vanilla /etc/freeswitch.
[Service]
ExecStart=
ExecStart=/usr/bin/freeswitch -u freeswitch -g freeswitch -ncwait -nonat -conf [=c.paths.currentDir()]/freeswitch -log [=c.paths.freeswitchLogDir] -db [=c.paths.freeswitchDbDir]
Restart=on-failure
RestartSec=5
