package dev.mediaplane.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.RequiredTools;

/**
 * A node in a directory: a temporary root the scripts write into (MP_ROOT), PATH shims for the
 * programs a test machine lacks (systemctl, fs_cli, freeswitch, apt-get) and a curl wrapper
 * that records every argument list. Everything else (bash, coreutils, sed, curl, base64) is real.
 */
final class NodeSandbox {
    final Path root;
    final Path bin;
    final Path logs;
    final Path state;
    final String user;
    final String group;

    NodeSandbox(Path dir) throws IOException, InterruptedException {
        root = Files.createDirectories(dir.resolve("root"));
        bin = Files.createDirectories(dir.resolve("bin"));
        logs = Files.createDirectories(dir.resolve("logs"));
        state = Files.createDirectories(dir.resolve("state"));
        RequiredTools.require("bash", "curl", "sed", "sha256sum", "base64", "mktemp");
        user = Tools.run(List.of("id", "-un"), Map.of(), dir).output().trim();
        group = Tools.run(List.of("id", "-gn"), Map.of(), dir).output().trim();
        String realCurl = Tools.run(List.of("bash", "-c", "command -v curl"), Map.of(), dir).output().trim();
        shim("curl", "printf '%s\\n' \"$*\" >> \"$SHIM_LOG/argv.log\"\nexec " + realCurl + " \"$@\"\n");
        shim("systemctl", SYSTEMCTL);
        shim("fs_cli", """
                printf '%s\\n' "$*" >> "$SHIM_LOG/fs_cli.log"
                if [[ ! -e "$SHIM_STATE/freeswitch-active" ]]; then
                  echo '[ERROR] fs_cli.c:1699 main() Error Connecting []' >&2
                  exit 255
                fi
                case "$2" in
                  status) printf 'UP 0 years, 0 days, 0 hours, 0 minutes, 7 seconds\\nFreeSWITCH (Version 1.11.2 -release 64bit) is ready\\n' ;;
                  'sofia status')
                    printf '%s\\n' '                     Name\t   Type\t                                      Data\tState' \\
                      '=================================================================================================' \\
                      '            external\tprofile\t           sips:mod_sofia@10.42.0.5:5061\tRUNNING (0) (TLS)' \\
                      '            internal\tprofile\t            sip:mod_sofia@10.42.0.5:5080\tRUNNING (0)' ;;
                  'fsctl pause inbound') : > "$SHIM_STATE/paused-inbound"; printf '+OK\\n' ;;
                  # The agent's readiness asks whether inbound calls are paused (switch_core's SCF_NO_NEW_INBOUND_SESSIONS).
                  'fsctl pause_check inbound') if [[ -e "$SHIM_STATE/paused-inbound" ]]; then echo true; else echo false; fi ;;
                  'show channels count')
                    n="$(head -n 1 "$SHIM_STATE/channels")"
                    if [[ "$(wc -l < "$SHIM_STATE/channels")" -gt 1 ]]; then sed -i 1d "$SHIM_STATE/channels"; fi
                    printf '\\n%s total.\\n\\n' "$n" ;;
                  *) printf -- '-ERR %s Command not found!\\n' "$2" ;;
                esac
                """);
        // <root>/usr/bin/java: the JDK running the tests, with the unit's absolute paths mapped into the root
        // (node.env to the sandbox's copy), so an installed unit's ExecStart runs the bundled jar for real.
        String realJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        script(Files.createDirectories(root.resolve("usr/bin")).resolve("java"), """
                printf '%s\\n' "$*" >> "$SHIM_LOG/java.log"
                args=()
                for a in "$@"; do
                  if [[ "$a" == /etc/mediaplane/node.env && -n "${MP_NODE_ENV:-}" ]]; then args+=("$MP_NODE_ENV")
                  elif [[ "$a" == /* && -e "$MP_ROOT$a" ]]; then args+=("$MP_ROOT$a")
                  else args+=("$a"); fi
                done
                exec REAL_JAVA "${args[@]}"
                """.replace("REAL_JAVA", realJava));
        shim("useradd", """
                printf '%s\\n' "$*" >> "$SHIM_LOG/useradd.log"
                exit "${SHIM_USERADD_EXIT:-0}"
                """);
        shim("freeswitch", """
                printf '%s\\n' "$*" >> "$SHIM_LOG/freeswitch.log"
                if [[ "$1" == -version ]]; then
                  printf 'FreeSWITCH version: %s-release~64bit (-release 64bit)\\n' "${SHIM_FS_VERSION:-1.11.2}"
                fi
                """);
        shim("apt-get", """
                printf '%s\\n' "$*" >> "$SHIM_LOG/apt-get.log"
                case "$1" in
                  update) exit 0 ;;
                  install)
                    # Debian's Java: the package puts java back on the PATH (removeJava() took it off).
                    if [[ " $* " == *" openjdk-17-jre-headless "* ]]; then
                      mv -- "$SHIM_STATE/java.pkg" "$MP_ROOT/usr/bin/java"
                      exit 0
                    fi
                    # The Ops Agent package: dpkg-query reports it installed from then on.
                    if [[ " $* " == *" google-cloud-ops-agent "* ]]; then
                      [[ ! -e "$SHIM_STATE/apt-no-ops-agent" ]] || exit 100
                      mkdir -p "$SHIM_STATE/dpkg" && : > "$SHIM_STATE/dpkg/google-cloud-ops-agent"
                      : > "$SHIM_STATE/google-cloud-ops-agent.service.active"
                      exit 0
                    fi
                    [[ -n "${SHIM_APT_INSTALLS:-}" ]] || exit 100
                    cp -- "$SHIM_APT_INSTALLS" "$SHIM_BIN/freeswitch" ;;
                  *) exit 100 ;;
                esac
                """);
        shim("dpkg-query", """
                printf '%s\\n' "$*" >> "$SHIM_LOG/dpkg-query.log"
                [[ -e "$SHIM_STATE/dpkg/${*: -1}" ]] || { echo "dpkg-query: no packages found matching ${*: -1}" >&2; exit 1; }
                printf 'install ok installed'
                """);
        // An image with the Ops Agent baked in and running; removeOpsAgent() makes it a bare image.
        Files.createDirectories(state.resolve("dpkg"));
        Files.writeString(state.resolve("dpkg/google-cloud-ops-agent"), "");
        Files.writeString(state.resolve("google-cloud-ops-agent.service.active"), "");
        Files.writeString(state.resolve("channels"), "0\n");
        Files.writeString(dir.resolve("ca-bundle.crt"), "-----BEGIN CERTIFICATE-----\nTESTCA\n-----END CERTIFICATE-----\n");
    }

    /**
     * The stand-in systemctl. freeswitch.service is the packaged unit (not in the bundle): start
     * marks it active. Every other unit boot starts is looked up in the root's systemd dir and
     * run the way systemd would: the ExecStart target (prefixes -@+!: stripped) must be an
     * executable file, else the unit fails with 203/EXEC before a line of it runs; otherwise it
     * runs for real for SHIM_RUN_SEC seconds (a process still running then counts as started).
     * A timer starts its service once (its first elapse); a socket checks the target of the
     * service it would spawn. The outcome of each unit lands in SHIM_STATE/units/NAME
     * ("active", "exited N", "failed 203/EXEC ...") and its output in SHIM_LOG/unit-NAME.log.
     */
    static final String SYSTEMCTL = """
            printf '%s\\n' "$*" >> "$SHIM_LOG/systemctl.log"
            units_dir="$MP_ROOT/etc/systemd/system"
            mkdir -p "$SHIM_STATE/units"
            exec_start() { # unit file -> last ExecStart value (an empty ExecStart= resets the list)
              local v=''
              while IFS= read -r line; do
                [[ "$line" =~ ^ExecStart=(.*)$ ]] && v="${BASH_REMATCH[1]}"
              done < "$1"
              printf '%s' "$v"
            }
            run_service() { # service name; its file may be a template instance's template
              local name="$1" file="$units_dir/$1" cmd exe rc
              [[ -f "$file" ]] || { echo "failed unit-not-found" > "$SHIM_STATE/units/$name"; return 5; }
              cmd="$(exec_start "$file")"
              cmd="${cmd#"${cmd%%[!@+!:-]*}"}"
              exe="${cmd%% *}"
              if [[ "$cmd" == *' '* ]]; then args="${cmd#* }"; else args=''; fi
              run="$MP_ROOT$exe"
              if [[ ! -f "$run" || ! -x "$run" ]]; then
                echo "failed 203/EXEC $exe" > "$SHIM_STATE/units/$name"
                echo "$name: Failed at step EXEC spawning $exe: Permission denied (status=203/EXEC)" >&2
                return 1
              fi
              # The node's paths, mapped into the root: node.env's RECORDINGS_DIR.
              # The agent binds 127.0.0.1 (the test's NIC address is not this machine's) on a free port.
              sed -e "s|^RECORDINGS_DIR=/|RECORDINGS_DIR=$MP_ROOT/|" -e "s|^INTERNAL_IP=.*|INTERNAL_IP=127.0.0.1|" \\
                -e "s|^HEALTH_PORT=.*|HEALTH_PORT=${SHIM_HEALTH_PORT:-0}|" \\
                "$MP_ROOT/etc/mediaplane/node.env" > "$SHIM_STATE/node.env" 2>/dev/null || true
              rc=0
              # shellcheck disable=SC2086 # ExecStart arguments split as systemd splits them (no quotes here)
              MP_NODE_ENV="$SHIM_STATE/node.env" \\
                timeout -k 1 "${SHIM_RUN_SEC:-2}" "$run" $args < /dev/null > "$SHIM_LOG/unit-$name.log" 2>&1 || rc=$?
              if [[ "$rc" == 124 ]]; then
                echo active > "$SHIM_STATE/units/$name"
              else
                echo "exited $rc" > "$SHIM_STATE/units/$name"
                [[ "$rc" == 0 ]] || return 1
              fi
            }
            marker() { # FreeSWITCH keeps its historic marker; other units "<unit>.active"
              if [[ "$1" == freeswitch.service ]]; then printf '%s' "$SHIM_STATE/freeswitch-active"; else printf '%s' "$SHIM_STATE/$1.active"; fi
            }
            start_unit() {
              local name="$1" file="$units_dir/$1"
              # A "<unit>.broken" marker makes a unit fail to start, as a unit with a bad config does.
              if [[ -e "$SHIM_STATE/$name.broken" ]]; then rm -f -- "$(marker "$name")"; echo failed > "$SHIM_STATE/units/$name"; return 1; fi
              if [[ ! -f "$file" && "$name" == *.service ]]; then
                # A unit the boot did not install comes from a package (freeswitch, the Ops Agent): only its state.
                : > "$(marker "$name")"; echo active > "$SHIM_STATE/units/$name"; return 0
              fi
              case "$name" in
                freeswitch.service) : > "$SHIM_STATE/freeswitch-active"; echo active > "$SHIM_STATE/units/$name" ;;
                *.timer)
                  [[ -f "$file" ]] || return 5
                  run_service "${name%.timer}.service" || { echo "failed service ${name%.timer}.service" > "$SHIM_STATE/units/$name"; return 0; }
                  echo active > "$SHIM_STATE/units/$name" ;;
                *.socket)
                  [[ -f "$file" ]] || return 5
                  tpl="${name%.socket}@.service"
                  cmd="$(exec_start "$units_dir/$tpl")"; cmd="${cmd#"${cmd%%[!@+!:-]*}"}"; exe="${cmd%% *}"
                  if [[ -f "$MP_ROOT$exe" && -x "$MP_ROOT$exe" ]]; then echo active > "$SHIM_STATE/units/$name"
                  else echo "failed 203/EXEC $exe (spawned by $name)" > "$SHIM_STATE/units/$name"; fi ;;
                *.service)
                  # Type=simple: systemctl returns before the exec; the failure shows in the unit's state.
                  if grep -q '^Type=oneshot' "$file" 2>/dev/null; then run_service "$name"; else run_service "$name" || true; fi ;;
                *) return 0 ;;
              esac
            }
            case "$1" in
              is-active) [[ -e "$(marker "${*: -1}")" ]] ;;
              start|restart) start_unit "$2" ;;
              enable)
                if [[ "$2" == --now ]]; then start_unit "$3"; fi ;;
              *) exit 0 ;;
            esac
            """;

    /** Takes freeswitch off the PATH; apt-get install puts it back, as the package would. */
    void removeFreeswitch() throws IOException {
        Path stash = root.getParent().resolve("freeswitch.pkg");
        Files.move(bin.resolve("freeswitch"), stash);
    }

    /** An image without Java; apt-get install openjdk-17-jre-headless puts it back, as the package would. */
    void removeJava() throws IOException {
        Files.move(root.resolve("usr/bin/java"), state.resolve("java.pkg"));
    }

    /** A bare Debian image: no Ops Agent package, nothing running. */
    void removeOpsAgent() throws IOException {
        Files.deleteIfExists(state.resolve("dpkg/google-cloud-ops-agent"));
        Files.deleteIfExists(state.resolve("google-cloud-ops-agent.service.active"));
    }

    private void shim(String name, String body) throws IOException {
        script(bin.resolve(name), body);
    }

    private static void script(Path p, String body) throws IOException {
        Files.writeString(p, "#!/bin/bash\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Map<String, String> env(GcpStandIn gcp) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("MP_ROOT", root.toString());
        env.put("SHIM_LOG", logs.toString());
        env.put("SHIM_STATE", state.toString());
        env.put("SHIM_BIN", bin.toString());
        env.put("MP_ROOT_USER", user);
        env.put("MP_ROOT_GROUP", group);
        env.put("MP_FS_USER", user);
        env.put("MP_FS_GROUP", group);
        env.put("MP_AGENT_USER", user);
        env.put("MP_AGENT_GROUP", group);
        env.put("MP_CA_BUNDLE", root.getParent().resolve("ca-bundle.crt").toString());
        env.put("MP_READY_TIMEOUT_SEC", "10");
        // Boot's retry bound for 403/404 (IAM propagation), short so a permanent refusal fails fast here.
        env.put("MP_BOOT_RETRY_SEC", "1");
        env.put("MP_BOOT_RETRY_FIRST_MS", "100");
        if (gcp != null) {
            env.put("MP_METADATA_URL", gcp.url() + "/computeMetadata/v1");
            env.put("MP_GCS_URL", gcp.url());
            env.put("MP_SECRETS_URL", gcp.url());
        }
        return env;
    }

    /** Runs a script under bash; meanwhile watches every process's argument list for the markers. */
    Tools.Result runScript(String name, String script, Map<String, String> env, List<String> markers, String stdin)
            throws IOException, InterruptedException {
        Path file = root.getParent().resolve(name);
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Thread watcher = new Thread(() -> {
            while (p.isAlive()) {
                try (Stream<Path> s = Files.list(Path.of("/proc"))) {
                    for (Path d : s.filter(x -> x.getFileName().toString().matches("[0-9]+")).toList()) {
                        try {
                            String cmd = new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8);
                            for (String m : markers) {
                                if (cmd.contains(m)) {
                                    seen.add(m + " in argv of pid " + d.getFileName() + ": " + cmd.replace('\0', ' '));
                                }
                            }
                        } catch (IOException ignored) {
                            // the process ended between list and read
                        }
                    }
                } catch (IOException ignored) {
                    // /proc unavailable: the curl argv log still covers the calls that carry credentials
                }
                Thread.onSpinWait();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.setDaemon(true);
        watcher.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish within 120 s:\n" + out);
        }
        watcher.join(5000);
        if (!seen.isEmpty()) {
            throw new AssertionError("secret markers appeared in process argument lists: " + seen);
        }
        return new Tools.Result(p.exitValue(), out);
    }

    String log(String name) throws IOException {
        Path p = logs.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** path -> type, mode, owner, group, mtime, content hash or link target: what a "change" is. */
    Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what;
                if (a.isSymbolicLink()) {
                    what = "link " + Files.readSymbolicLink(p);
                } else if (a.isDirectory()) {
                    // run/mediaplane holds boot's scratch directory; its mtime is not configuration.
                    what = "dir" + (rel.equals("run/mediaplane") ? "" : " " + a.lastModifiedTime().toMillis());
                } else {
                    what = "file " + a.lastModifiedTime().toMillis() + " " + Bundle.sha256(Files.readAllBytes(p));
                }
                out.put(rel, what + " " + PosixFilePermissions.toString(a.permissions()) + " " + a.owner().getName()
                        + ":" + a.group().getName());
            }
        }
        return out;
    }

    /** Files under the root (relative path) whose bytes contain the marker. */
    List<String> filesContaining(String marker) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(x -> Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS)).toList()) {
                if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(marker)) {
                    out.add(root.relativize(p).toString());
                }
            }
        }
        return out;
    }
}
