# Run by mp-recording-uploader-sweep.timer: retries files that gave up, republishes evidence
# events whose publish was not acknowledged, reports disk pressure. See docs/recordings.md.
[Unit]
Description=mediaplane recording uploader (sweep: retries, republishes evidence, disk pressure)
Wants=network-online.target
After=network-online.target local-fs.target

[Service]
Type=oneshot
ExecStart=[=c.paths.nodeDir()]/[=c.units.uploaderScript] sweep
# A large backlog after an outage may take long; the next tick waits for this one.
TimeoutStartSec=1h
SyslogIdentifier=mediaplane
StandardOutput=journal
StandardError=journal
RuntimeDirectory=mp-recording-uploader-sweep
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

