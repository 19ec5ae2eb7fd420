# The mediaplane node agent: follows FreeSWITCH over ESL, uploads recordings to GCS and publishes their
# evidence events, exports the node's metrics and answers /live and /ready on [=m.fleet.healthPort] (the
# GCE health checks and the Ops Agent's scrape). Installed from [=c.paths.nodeDir()]/ by the boot script;
# the jar comes with the release bundle, so a release switch restarts it.
[Unit]
Description=mediaplane node agent (ESL, recordings, metrics, /live and /ready)
Wants=network-online.target
After=network-online.target local-fs.target [=c.units.freeswitch]
# Neither Requires= nor BindsTo= FreeSWITCH: the agent reconnects over ESL by itself and /live reports
# FreeSWITCH down, so autohealing, not systemd, decides about a node whose FreeSWITCH is gone.

[Service]
Type=simple
# The live-audio taps dir is on tmpfs (gone at every reboot) and this unit may start before boot (the GCE
# startup script) recreates it; ReadWritePaths= of a missing path fails the start (226/NAMESPACE). So the
# unit creates it first, with the node contract's mode and owner: '+' runs this one command as root without
# the sandbox below. FreeSWITCH (uuid_record) writes there; set-group-id keeps its files in the agent's group.
ExecStartPre=+/usr/bin/install -d -m [=c.files.streamsDir.mode] -o freeswitch -g [=c.units.agentUser] [=c.paths.streamsDir()]
# Memory is bounded twice: the JVM's own limits (heap, metaspace, code cache, direct buffers, thread
# stacks; SerialGC keeps the collector's native memory small) and the cgroup around them. C2 stays on: the
# streaming bridge's TLS (AES-GCM) has its hardware intrinsics only in C2, and C1 alone tripled the bridge's
# CPU at 200 streams (docs/streaming.md, bench/bridge-latency.sh). -XX:-UsePerfData: no hsperfdata file (nothing to write, no shared memory mapping).
# ExitOnOutOfMemoryError: a JVM out of heap exits and Restart= brings a clean one back.
ExecStart=[=c.paths.javaBin] -Xms32m -Xmx128m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -Xss512k -XX:+UseSerialGC -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -jar [=c.paths.nodeDir()]/[=c.units.agentJar] --node-env [=c.paths.nodeEnv]
Restart=always
RestartSec=5
# On SIGTERM the agent finishes the uploads in flight (bounded well within TimeoutStopSec), then the JVM
# exits 128+15=143: a clean stop, not a failure. What is still unfinished at the bound stays on disk and
# the sweep at the next start retries it.
SuccessExitStatus=143
TimeoutStopSec=30
SyslogIdentifier=[=c.opsAgent().syslogIdentifier]
StandardOutput=journal
StandardError=journal
# With the flags above the packaged agent peaks at about 105 MiB RSS uploading a backlog (AgentPackagedIT
# holds it under 160 MiB); the JVM's own bounds sum to about 300 MiB. The cgroup (which also counts the page
# cache of the recordings read) throttles at MemoryHigh and kills at MemoryMax, well above the working set.
MemoryHigh=256M
MemoryMax=320M
TasksMax=256

# Its own system user (boot creates it), never root and never freeswitch: it cannot signal FreeSWITCH, nor
# write its configuration or database.
User=[=c.units.agentUser]
Group=[=c.units.agentUser]
# Reading recordings: FreeSWITCH creates the per-call directories itself, mode 0750 freeswitch:freeswitch
# (switch_ivr_record_session_event -> switch_dir_make_recursive(path, SWITCH_DEFAULT_DIR_PERMS), u=rwx g=rx,
# FreeSWITCH 1.11.2 src/switch_ivr_async.c): group freeswitch may list and enter them and read what
# FreeSWITCH's umask leaves group-readable.
SupplementaryGroups=freeswitch
# Deleting a verified recording needs write access to a directory whose group has r-x only. No
# permission bit or ACL can grant it: a default ACL on the root is inherited, but FreeSWITCH's 0750
# mkdir mode becomes the new directory's ACL mask (r-x) and masks a named entry's w. So the agent holds
# CAP_DAC_OVERRIDE, confined by the filesystem view below: ProtectSystem=strict makes every path read-only
# except ReadWritePaths (the recordings root, the agent's state, the live-audio taps), and the secrets
# DAC_OVERRIDE could otherwise read are made inaccessible. (A narrower alternative is CAP_FOWNER with the
# agent chmod'ing g+w on a per-call directory before unlinking; it needs agent code.)
# CAP_SYS_PTRACE: the sweep never uploads a recording some process still holds open (FreeSWITCH while it
# records, RecordingPipeline.openFiles); it reads readlink(/proc/<pid>/fd/*), which the kernel allows for
# another user's process only with CAP_SYS_PTRACE (ptrace_may_access, PTRACE_MODE_READ_FSCREDS). Without it
# FreeSWITCH's fds are unreadable and the quiet period is the only guard. The capability would also let
# the agent attach to FreeSWITCH: SystemCallFilter below denies ptrace(2) and process_vm_readv/writev, so
# what is left of it is reading /proc (which, with DAC_OVERRIDE, includes FreeSWITCH's /proc/<pid>/mem
# and environ: the same trust DAC_OVERRIDE already gives over its files).
# CAP_CHOWN: the secret refresh (agent/secrets) replaces secrets.xml, agent.pem and the speech-to-text keys with
# the owners boot gives them (root:freeswitch, root:<agent>): a file it creates is its own until chowned. It
# already holds the node account's token (so every secret) and the full ESL login, so writing these files adds
# no reach FreeSWITCH's own configuration did not already give it.
AmbientCapabilities=CAP_DAC_OVERRIDE CAP_SYS_PTRACE CAP_CHOWN
CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_SYS_PTRACE CAP_CHOWN
SystemCallFilter=~ptrace process_vm_readv process_vm_writev
NoNewPrivileges=yes
ProtectSystem=strict
# The agent's state (the outbox of unpublished events) is on disk and survives restarts and reboots: boot
# creates it 0700 for the agent's user; not StateDirectory=, whose path is fixed under /var/lib.
# The include, TLS and speech-to-text key directories: the secret refresh renames new files into them.
ReadWritePaths=[=c.paths.recordingsDir] [=c.paths.agentStateDir] [=c.paths.streamsDir()] [=c.paths.includeDir] [=c.paths.tlsDir] [=c.paths.sttKeysDir]
InaccessiblePaths=-[=c.paths.secretsDir] -[=c.paths.fsCliConf]
ProtectHome=yes
# The JVM's scratch (java.io.tmpdir: netty's and conscrypt's native libraries are unpacked there).
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
# MemoryDenyWriteExecute= is left off on purpose: the JVM's JIT writes machine code into memory it then
# executes (W+X mappings), which that setting forbids, so the agent would not start.
UMask=0077

[Install]
WantedBy=multi-user.target
