[Unit]
Description=mediaplane: per-call RTP quality from JSON CDRs to the journal

[Service]
Type=oneshot
ExecStart=[=c.paths.nodeDir()]/[=c.units.callQualityScript]
SyslogIdentifier=mediaplane
Nice=10
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=[=c.paths.jsonCdrDir]
PrivateTmp=yes
