[Unit]
Description=mediaplane health endpoints (/live, /ready) on port [=m.fleet.healthPort]

[Socket]
ListenStream=[=m.fleet.healthPort]
Accept=yes
MaxConnections=16

[Install]
WantedBy=sockets.target
