# Uploads each recording as FreeSWITCH closes it; sweeps once at start for what a crash or reboot left.
# See docs/recordings.md. Installed from [=c.paths.nodeDir()]/ by the boot script.
[Unit]
Description=mediaplane recording uploader (watch)
Wants=network-online.target
After=network-online.target local-fs.target

[Service]
Type=simple
ExecStart=[=c.paths.nodeDir()]/[=c.units.uploaderScript] watch
# Without node.env (exit 78) or when inotifywait dies, start again: the sweep at start catches up.
Restart=always
RestartSec=5
# Workers killed mid-upload leave their file on disk; the next sweep retries it.
KillMode=mixed
TimeoutStopSec=30
SyslogIdentifier=mediaplane
StandardOutput=journal
StandardError=journal
RuntimeDirectory=mp-recording-uploader
RuntimeDirectoryMode=0700
StateDirectory=[=c.paths.uploaderStateDirectory()]
StateDirectoryMode=0700
# Root, but only what it needs: delete files FreeSWITCH owns (DAC_OVERRIDE, FOWNER), see which
# recordings FreeSWITCH still holds open in /proc/<pid>/fd (SYS_PTRACE, read-only use).
CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_SYS_PTRACE
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=[=c.paths.stateDir]
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
Nice=5
IOSchedulingClass=best-effort
IOSchedulingPriority=6

[Install]
WantedBy=multi-user.target
