[Unit]
Description=mediaplane health check answer
Requires=[=c.units.healthSocket]

[Service]
ExecStart=[=c.paths.nodeDir()]/[=c.units.healthScript]
StandardInput=socket
StandardOutput=socket
StandardError=journal
RuntimeMaxSec=10
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadOnlyPaths=/
