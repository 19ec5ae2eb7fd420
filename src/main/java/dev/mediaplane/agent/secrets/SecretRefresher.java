package dev.mediaplane.agent.secrets;

import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.telemetry.Telemetry;
import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node side of a secret rotation: reads each node secret's {@code versions/latest}, and when one changed writes
 * the file boot writes for it (same path, mode, owner and bytes, {@link AtomicFiles}) and has the running FreeSWITCH
 * take it over the agent's ESL connection without dropping a call:
 * <ul>
 *   <li>secrets.xml changed: {@code reloadxml} (re-runs the preprocessor; no call is touched). The controllers' and
 *       the operator's ESL passwords are directory users' {@code esl-password}, which mod_event_socket looks up at each
 *       {@code userauth} (switch_xml_locate_user): new logins need it, open sessions stay. Nothing reloads
 *       mod_event_socket (that would drop every ESL connection, though no call). The operator's secret is optional:
 *       while it has no version its variable keeps the value the include has (boot's per-node random fallback; the
 *       agent cannot read the secrets directory), or a new random one, never an empty password.
 *   <li>the trunk password changed: {@code sofia profile external killgw signalwire} (marks the gateway deleted, it
 *       un-registers) and {@code sofia profile external rescan} (re-reads the XML, adds the gateway again with the new
 *       password), then {@code sofia status gateway signalwire} until {@code State REGED}. Calls do not hang on the
 *       gateway object.
 *   <li>the certificate or key changed: {@code sofia profile external restart} only while the profile holds no call:
 *       its live session count ({@code sofia status}: {@code RUNNING (n)}; CALLS-IN/OUT of {@code sofia status profile}
 *       only ever grow), inbound paused around the restart so none arrives in between. While calls are up it waits,
 *       one log line per refresh. (1.11's {@code reloadcert} answers +OK whether or not mod_sofia was built with
 *       nua_reload_tls, so it proves nothing.)
 *   <li>a speech-to-text key: the file only (the bridge reads it per stream).
 * </ul>
 * The steps still owed are kept in {@link NodeContract.Paths#secretsPending()} (written before a file is replaced,
 * cleared step by step), so a crash in between, or boot replacing a file on a running node, still gets them done; a
 * step is done exactly once per change. A failed read leaves every file as it is. Values never reach a log line, a
 * metric label, the report or an exception message; only secret names, version numbers and Google's status codes do.
 */
public final class SecretRefresher {

    /** An ESL api call on the agent's connection. */
    @FunctionalInterface
    public interface Api {
        String api(String command) throws Exception;
    }

    /** The gateway and profile of the rendered external profile (templates/freeswitch/sip_profiles/external.xml.ftlx). */
    public static final String GATEWAY = "signalwire";
    public static final String PROFILE = "external";

    /** A step FreeSWITCH owes, in the order they run. */
    public enum Step { RELOADXML, GATEWAY, TLS }

    /**
     * @param root prefix of every node path (tests: a temporary root, as boot's MP_ROOT); empty on the node
     * @param prefix the secrets' id prefix ({@code <prefix>-<suffix>})
     * @param adminPassword the per-node ESL admin password (the agent's ESL login), which secrets.xml also carries
     * @param agentUser the agent's user (owners)
     * @param gatewayWait how long the gateway gets to reach REGED after its re-creation
     * @param restartWait how long the profile gets to be RUNNING again after its restart
     * @param idleBound how long a certificate change waits for an idle profile before it is reported failed (it still
     *     applies once idle)
     * @param poll time between checks inside one step
     */
    public record Settings(Path root, String prefix, String adminPassword, String agentUser, Duration gatewayWait,
                          Duration restartWait, Duration idleBound, Duration poll) {
        public static Settings node(String prefix, String adminPassword, String agentUser) {
            return new Settings(Path.of("/"), prefix, adminPassword, agentUser, Duration.ofSeconds(30), Duration.ofSeconds(30),
                    Duration.ofHours(6), Duration.ofSeconds(1));
        }
    }

    /** What one secret's node state is. */
    public record Status(int version, int installed, String state, String detail) {}

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9._~+/=:@%!*,^-]{12,256}");
    private static final Pattern INCLUDE_VAR = Pattern.compile("data=\"([A-Za-z0-9_]+)=");
    private static final Pattern GATEWAY_STATE = Pattern.compile("(?m)^State\\s+(\\S+)");
    private static final Pattern PROFILE_LINE = Pattern.compile("(?m)^\\s*" + PROFILE + "\\s+profile\\s+\\S+\\s+(RUNNING|DOWN)\\s+\\((\\d+)\\)");

    private final NodeContract contract;
    private final Settings s;
    private final SecretSource source;
    private final Api esl;
    private final AtomicFiles files;
    private final JsonLog log;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    /** Read by telemetry's HTTP threads while a refresh runs (a step may wait 30 s): never behind the refresh's lock. */
    private final Map<String, Status> status = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Integer> installed = new LinkedHashMap<>();
    private boolean gatewayUnverified;
    private long idleWaitSince = Long.MIN_VALUE;
    private volatile String lastRun = "never";
    /** Secrets whose state this refresh already set (a read failed, a value was refused, their file waits). */
    private final Set<String> reported = new java.util.HashSet<>();

    public SecretRefresher(NodeContract contract, Settings settings, SecretSource source, Api esl, AtomicFiles files,
                           JsonLog log, LongSupplier nanoTime, Sleeper sleeper) {
        this.contract = contract;
        this.s = settings;
        this.source = source;
        this.esl = esl;
        this.files = files;
        this.log = log;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        for (NodeContract.Secret sec : managed()) {
            status.put(sec.suffix(), new Status(0, 0, "unknown", "not read yet"));
        }
    }

    /** The secrets the refresh keeps (all but the one apt uses at install). */
    List<NodeContract.Secret> managed() {
        return contract.secrets().stream().filter(x -> x.lands() != NodeContract.Lands.APT).toList();
    }

    Path path(String nodePath) {
        return s.root().resolve(nodePath.substring(1));
    }

    Path tlsFile() {
        return path(contract.paths().tlsDir() + "/agent.pem");
    }

    /** One refresh: read, install what changed, run the steps owed. Never throws for a secret's or a step's failure. */
    public synchronized void refresh() throws InterruptedException {
        reported.clear();
        Map<String, SecretSource.Latest> latest = new LinkedHashMap<>();
        Set<String> absent = new java.util.HashSet<>();
        Set<String> failed = new java.util.HashSet<>();
        for (NodeContract.Secret sec : managed()) {
            String id = s.prefix() + "-" + sec.suffix();
            try {
                Optional<SecretSource.Latest> l = source.latest(id);
                if (l.isPresent()) {
                    latest.put(sec.suffix(), l.get());
                } else {
                    absent.add(sec.suffix());
                }
            } catch (SecretSource.SourceException e) {
                failed.add(sec.suffix());
                set(sec.suffix(), "failed", "cannot read: " + e.getMessage() + "; its file is left as it is");
                log.warn("secret_refresh_failed", Map.of("secret", id, "code", e.code, "error", e.getMessage()));
            }
        }
        EnumSet<Step> pending = readPending();
        // Each file on its own: one that cannot be written leaves the others to go ahead.
        try {
            installInclude(latest, absent, failed, pending);
        } catch (IOException e) {
            log.error("secret_install_failed", Map.of("file", "secrets include", "error", String.valueOf(e.getMessage())));
        }
        try {
            installTls(latest, failed, pending);
        } catch (IOException e) {
            log.error("secret_install_failed", Map.of("file", "tls", "error", String.valueOf(e.getMessage())));
        }
        try {
            installKeys(latest, absent, failed);
        } catch (IOException e) {
            log.error("secret_install_failed", Map.of("file", "speech-to-text keys", "error", String.valueOf(e.getMessage())));
        }
        runSteps(readPending());
        lastRun = java.time.Instant.now().toString();
    }

    private void installInclude(Map<String, SecretSource.Latest> latest, Set<String> absent, Set<String> failed,
                                EnumSet<Step> pending) throws IOException {
        List<NodeContract.Secret> all = group(NodeContract.Lands.SECRETS_INCLUDE);
        // A secret with a local fallback and no version keeps the value the include has (boot wrote this node's random
        // one): it neither blocks the others nor empties its variable.
        Set<String> fallback = new java.util.HashSet<>();
        contract.vars().secretVars().stream().filter(NodeContract.SecretVar::hasFallback).forEach(v -> fallback.add(v.secret()));
        List<NodeContract.Secret> group = all.stream().filter(x -> !(fallback.contains(x.suffix()) && absent.contains(x.suffix()))).toList();
        if (!ready(group, latest, absent, failed)) {
            return;
        }
        Path file = path(contract.paths().secretsInclude());
        Optional<byte[]> now = AtomicFiles.read(file);
        Map<String, String> before = now.map(b -> vars(new String(b, StandardCharsets.UTF_8))).orElse(Map.of());
        Map<String, String> values = new LinkedHashMap<>();
        String trunkVar = contract.vars().sipTrunkPassword();
        for (NodeContract.SecretVar v : contract.vars().secretVars()) {
            if (!v.fromSecretManager()) {
                values.put(v.name(), s.adminPassword());
                continue;
            }
            if (v.hasFallback() && absent.contains(v.secret())) {
                String kept = before.get(v.name());
                // Never an empty or unusable password: a random one nobody knows, as boot's fallback is.
                values.put(v.name(), kept != null && PASSWORD.matcher(kept).matches() ? kept : randomPassword());
                installed.remove(v.secret());
                set(v.secret(), "absent", "no version: the include keeps this node's random value, which nobody knows;"
                        + " add a version of " + s.prefix() + "-" + v.secret() + " to log in with it");
                continue;
            }
            SecretSource.Latest l = latest.get(v.secret());
            String value = boot(l.value());
            if (!PASSWORD.matcher(value).matches()) {
                set(v.secret(), "failed", "version " + l.version() + " is not 12-256 characters of A-Z a-z 0-9 . _ ~ + / = : @ % ! * , ^ -"
                        + " (as boot checks it); not installed: add a valid version");
                log.error("secret_refused", Map.of("secret", s.prefix() + "-" + v.secret(), "version", l.version(),
                        "reason", "not a password boot accepts"));
                return;
            }
            values.put(v.name(), value);
        }
        byte[] want = contract.vars().secretsInclude(values).getBytes(StandardCharsets.UTF_8);
        if (now.isEmpty() || !java.util.Arrays.equals(now.get(), want)) {
            EnumSet<Step> steps = EnumSet.of(Step.RELOADXML);
            if (!values.get(trunkVar).equals(before.get(trunkVar))) {
                steps.add(Step.GATEWAY);
            }
            pending.addAll(steps);
            writePending(pending);
            files.write(file, want, contract.files().secretsInclude());
            for (NodeContract.Secret sec : group) {
                installed(sec, latest.get(sec.suffix()).version(), file);
            }
        } else {
            group.forEach(sec -> installed.put(sec.suffix(), latest.get(sec.suffix()).version()));
        }
    }

    private void installTls(Map<String, SecretSource.Latest> latest, Set<String> failed, EnumSet<Step> pending) throws IOException {
        List<NodeContract.Secret> group = group(NodeContract.Lands.TLS);
        if (!ready(group, latest, Set.of(), failed)) {
            return;
        }
        java.io.ByteArrayOutputStream pem = new java.io.ByteArrayOutputStream();
        for (NodeContract.Secret sec : group) {
            SecretSource.Latest l = latest.get(sec.suffix());
            String text = new String(l.value(), StandardCharsets.US_ASCII);
            String problem = sec.check() == NodeContract.Check.PEM_CERTIFICATE
                    ? (text.contains("BEGIN CERTIFICATE") ? null : "is not a PEM certificate")
                    : (text.contains("PRIVATE KEY") ? null : "is not a PEM private key");
            if (problem != null) {
                set(sec.suffix(), "failed", "version " + l.version() + " " + problem + "; not installed: add a valid version");
                log.error("secret_refused", Map.of("secret", s.prefix() + "-" + sec.suffix(), "version", l.version(), "reason", problem));
                return;
            }
            pem.writeBytes(l.value()); // boot: cat cert key > agent.pem
        }
        SecretSource.Latest cert = latest.get(group.stream().filter(x -> x.check() == NodeContract.Check.PEM_CERTIFICATE)
                .findFirst().orElseThrow().suffix());
        SecretSource.Latest key = latest.get(group.stream().filter(x -> x.check() == NodeContract.Check.PEM_PRIVATE_KEY)
                .findFirst().orElseThrow().suffix());
        Boolean pair = TlsPair.matches(cert.value(), key.value());
        if (Boolean.FALSE.equals(pair)) {
            // Rotated one at a time: keep the old pair until the other half arrives.
            String why = "certificate version " + cert.version() + " and key version " + key.version() + " do not belong together:"
                    + " the old pair stays until both are rotated (rotate the other one too)";
            group.forEach(sec -> set(sec.suffix(), "waiting", why));
            log.warn("secret_tls_pair_mismatch", Map.of("certificate_version", cert.version(), "key_version", key.version()));
            return;
        }
        if (pair == null && !AtomicFiles.holds(tlsFile(), pem.toByteArray())) {
            log.warn("secret_tls_pair_unchecked", Map.of("detail", "the key is not PKCS#8 (BEGIN PRIVATE KEY) or the certificate"
                    + " did not parse: installed without checking that they belong together"));
        }
        Path file = tlsFile();
        byte[] want = pem.toByteArray();
        if (!AtomicFiles.holds(file, want)) {
            pending.add(Step.TLS);
            writePending(pending);
            files.write(file, want, contract.files().tlsFile());
            for (NodeContract.Secret sec : group) {
                installed(sec, latest.get(sec.suffix()).version(), file);
            }
        } else {
            group.forEach(sec -> installed.put(sec.suffix(), latest.get(sec.suffix()).version()));
        }
    }

    private void installKeys(Map<String, SecretSource.Latest> latest, Set<String> absent, Set<String> failed) throws IOException {
        for (NodeContract.Secret sec : managed()) {
            if (sec.lands() != NodeContract.Lands.STT_KEYS_DIR || failed.contains(sec.suffix())) {
                continue;
            }
            Path file = path(contract.paths().sttKeysDir() + "/" + sec.suffix());
            if (absent.contains(sec.suffix())) {
                if (Files.exists(file)) {
                    files.remove(file);
                    log.info("secret_removed", Map.of("secret", s.prefix() + "-" + sec.suffix(), "file", file.toString()));
                }
                installed.remove(sec.suffix());
                set(sec.suffix(), "absent", "no version: streaming to its service is off");
                continue;
            }
            SecretSource.Latest l = latest.get(sec.suffix());
            if (!AtomicFiles.holds(file, l.value())) {
                files.write(file, l.value(), contract.files().sttKeyFile());
                installed(sec, l.version(), file);
            } else {
                installed.put(sec.suffix(), l.version());
            }
        }
    }

    /** True when every secret of the group was read; else the group's file stays and the others say why. */
    private boolean ready(List<NodeContract.Secret> group, Map<String, SecretSource.Latest> latest, Set<String> absent,
                          Set<String> failed) {
        List<String> missing = group.stream().map(NodeContract.Secret::suffix).filter(x -> !latest.containsKey(x)).toList();
        if (missing.isEmpty()) {
            return true;
        }
        for (NodeContract.Secret sec : group) {
            if (absent.contains(sec.suffix())) {
                set(sec.suffix(), "failed", "no version in Secret Manager (boot needs one); its file is left as it is");
            } else if (!failed.contains(sec.suffix())) {
                set(sec.suffix(), status.get(sec.suffix()).state(), "waiting for " + missing + " to be readable (they share one file)");
            }
        }
        return false;
    }

    private void installed(NodeContract.Secret sec, int version, Path file) {
        installed.put(sec.suffix(), version);
        log.info("secret_installed", Map.of("secret", s.prefix() + "-" + sec.suffix(), "version", version, "file", file.toString()));
    }

    private void runSteps(EnumSet<Step> pending) throws InterruptedException {
        Map<Step, String> problems = new java.util.EnumMap<>(Step.class);
        boolean waiting = false;
        for (Step step : Step.values()) {
            if (!pending.contains(step)) {
                continue;
            }
            String problem;
            try {
                problem = switch (step) {
                    case RELOADXML -> reloadxml();
                    case GATEWAY -> gateway();
                    case TLS -> restartProfile();
                };
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                problem = "ESL: " + e.getMessage();
            }
            if (problem == null) {
                pending.remove(step);
                try {
                    writePending(pending);
                } catch (IOException e) {
                    log.error("secret_install_failed", Map.of("error", String.valueOf(e.getMessage())));
                }
                log.info("secret_step_done", Map.of("step", lower(step)));
            } else if (problem.startsWith("wait:")) {
                waiting = true;
            } else {
                problems.put(step, problem);
                log.warn("secret_step_failed", Map.of("step", lower(step), "error", problem));
                if (step == Step.RELOADXML) {
                    break; // the gateway would re-register with the old password
                }
            }
        }
        if (!pending.contains(Step.GATEWAY) && gatewayUnverified) {
            try {
                gatewayUnverified = !gatewayState().equals("REGED");
            } catch (Exception e) {
                // stays unverified
            }
        }
        for (NodeContract.Secret sec : managed()) {
            Integer v = installed.get(sec.suffix());
            Status st = status.get(sec.suffix());
            if (v == null || reported.contains(sec.suffix())) {
                continue;
            }
            EnumSet<Step> owed = steps(sec);
            owed.retainAll(pending);
            boolean unverified = sec.suffix().equals(trunkSuffix()) && gatewayUnverified;
            Step failedStep = owed.stream().filter(problems::containsKey).findFirst().orElse(null);
            if (owed.isEmpty() && !unverified) {
                if (st.version() != v) {
                    log.info("secret_applied", Map.of("secret", s.prefix() + "-" + sec.suffix(), "version", v, "how", how(sec)));
                }
                status.put(sec.suffix(), new Status(v, v, "applied", how(sec)));
            } else if (owed.isEmpty()) {
                status.put(sec.suffix(), new Status(st.version(), v, "failed", "gateway " + GATEWAY + " is not REGED with version "
                        + v + ": does the trunk have the new password? (checked again at each refresh)"));
            } else if (failedStep != null) {
                status.put(sec.suffix(), new Status(st.version(), v, "failed", lower(failedStep) + ": " + problems.get(failedStep)
                        + "; retried at the next refresh"));
            } else if (owed.contains(Step.TLS) && waiting) {
                status.put(sec.suffix(), new Status(st.version(), v, tlsWaitState(), tlsDetail));
            } else {
                status.put(sec.suffix(), new Status(st.version(), v, "installing", "owed: " + owed));
            }
        }
    }

    private String tlsDetail = "";

    private String tlsWaitState() {
        return nanoTime.getAsLong() - idleWaitSince > s.idleBound().toNanos() ? "failed" : "waiting";
    }

    private String reloadxml() throws Exception {
        String r = esl.api("reloadxml").strip();
        return r.startsWith("+OK") ? null : "reloadxml answered '" + firstLine(r) + "'";
    }

    private String gateway() throws Exception {
        String k = esl.api("sofia profile " + PROFILE + " killgw " + GATEWAY).strip();
        if (!k.startsWith("+OK") && !k.contains("no such gateway")) {
            return "killgw answered '" + firstLine(k) + "'";
        }
        String r = esl.api("sofia profile " + PROFILE + " rescan");
        if (!r.contains("+OK")) {
            return "rescan answered '" + firstLine(r.strip()) + "'";
        }
        long deadline = nanoTime.getAsLong() + s.gatewayWait().toNanos();
        String state;
        while (!(state = gatewayState()).equals("REGED")) {
            if (nanoTime.getAsLong() >= deadline) {
                gatewayUnverified = true;
                log.warn("secret_gateway_not_registered", Map.of("gateway", GATEWAY, "state", state,
                        "waited_ms", s.gatewayWait().toMillis()));
                return null; // re-created with the new password: not re-killed; checked at each refresh
            }
            sleeper.sleep(s.poll());
        }
        gatewayUnverified = false;
        return null;
    }

    private String gatewayState() throws Exception {
        Matcher m = GATEWAY_STATE.matcher(esl.api("sofia status gateway " + GATEWAY));
        return m.find() ? m.group(1) : "(no State line)";
    }

    /** Null when done; "wait: ..." while calls are up. */
    private String restartProfile() throws Exception {
        int calls = profileSessions();
        if (calls > 0) {
            return waitForIdle(calls);
        }
        boolean paused = esl.api("fsctl pause_check inbound").strip().equals("true");
        if (!paused) {
            esl.api("fsctl pause inbound");
        }
        try {
            calls = profileSessions();
            if (calls > 0) {
                return waitForIdle(calls);
            }
            String r = esl.api("sofia profile " + PROFILE + " restart");
            if (r.contains("must be up for at least")) {
                return waitForIdle(0);
            }
            long deadline = nanoTime.getAsLong() + s.restartWait().toNanos();
            while (!running()) {
                if (nanoTime.getAsLong() >= deadline) {
                    return "profile " + PROFILE + " not RUNNING " + s.restartWait().toSeconds() + " s after its restart";
                }
                sleeper.sleep(s.poll());
            }
            idleWaitSince = Long.MIN_VALUE;
            log.info("secret_profile_restarted", Map.of("profile", PROFILE, "active_calls", 0));
            return null;
        } finally {
            if (!paused) {
                esl.api("fsctl resume inbound");
            }
        }
    }

    private String waitForIdle(int calls) {
        long now = nanoTime.getAsLong();
        if (idleWaitSince == Long.MIN_VALUE) {
            idleWaitSince = now;
        }
        long waited = (now - idleWaitSince) / 1_000_000_000L;
        tlsDetail = calls + " call" + (calls == 1 ? "" : "s") + " on profile " + PROFILE + ": the new certificate is in place,"
                + " the profile restarts once it is idle (waiting " + waited + " s"
                + (waited > s.idleBound().toSeconds() ? ", past " + s.idleBound().toHours() + " h: drain the node" : "") + ")";
        log.info("secret_apply_waiting", Map.of("step", "tls", "profile", PROFILE, "active_calls", calls, "waited_s", waited));
        return "wait: " + calls;
    }

    private int profileSessions() throws Exception {
        String st = esl.api("sofia status");
        Matcher m = PROFILE_LINE.matcher(st);
        int n = -1;
        while (m.find()) {
            n = Math.max(n, Integer.parseInt(m.group(2)));
        }
        if (n < 0) {
            throw new Exception("sofia status shows no '" + PROFILE + " profile ... RUNNING (n)' line");
        }
        return n;
    }

    private boolean running() throws Exception {
        Matcher m = PROFILE_LINE.matcher(esl.api("sofia status"));
        return m.find() && m.group(1).equals("RUNNING");
    }

    /** What {@link NodeContract.Paths#secretsPending()} lists (an unknown word is ignored). */
    EnumSet<Step> readPending() {
        EnumSet<Step> steps = EnumSet.noneOf(Step.class);
        try {
            for (String line : Files.readAllLines(path(contract.paths().secretsPending()), StandardCharsets.US_ASCII)) {
                for (Step st : Step.values()) {
                    if (line.strip().equals(lower(st))) {
                        steps.add(st);
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing owed
        } catch (IOException e) {
            log.warn("secret_pending_unreadable", Map.of("error", String.valueOf(e.getMessage())));
        }
        return steps;
    }

    private void writePending(EnumSet<Step> steps) throws IOException {
        Path p = path(contract.paths().secretsPending());
        if (steps.isEmpty()) {
            Files.deleteIfExists(p);
            return;
        }
        StringBuilder b = new StringBuilder();
        steps.forEach(st -> b.append(lower(st)).append('\n'));
        files.write(p, b.toString().getBytes(StandardCharsets.US_ASCII), NodeContract.SECRETS_PENDING);
    }

    private EnumSet<Step> steps(NodeContract.Secret sec) {
        return switch (sec.lands()) {
            case SECRETS_INCLUDE -> sec.suffix().equals(trunkSuffix()) ? EnumSet.of(Step.RELOADXML, Step.GATEWAY) : EnumSet.of(Step.RELOADXML);
            case TLS -> EnumSet.of(Step.TLS);
            default -> EnumSet.noneOf(Step.class);
        };
    }

    private String how(NodeContract.Secret sec) {
        return switch (sec.lands()) {
            case SECRETS_INCLUDE -> sec.suffix().equals(trunkSuffix())
                    ? "reloadxml; gateway " + GATEWAY + " re-created (killgw + rescan) and REGED"
                    : "reloadxml: new ESL logins use it, open sessions stay";
            case TLS -> "profile " + PROFILE + " restarted with no call on it";
            default -> "file only: the streaming bridge reads it per stream";
        };
    }

    private String trunkSuffix() {
        return contract.vars().secretVars().stream().filter(v -> v.name().equals(contract.vars().sipTrunkPassword()))
                .findFirst().map(NodeContract.SecretVar::secret).orElse("");
    }

    private List<NodeContract.Secret> group(NodeContract.Lands lands) {
        return managed().stream().filter(x -> x.lands() == lands).toList();
    }

    private void set(String suffix, String state, String detail) {
        reported.add(suffix);
        Status st = status.get(suffix);
        status.put(suffix, new Status(st.version(), st.installed(), state, detail));
    }

    /** 40 characters of A-Z a-z 0-9, like boot's per-node values (startup.sh: base64 of urandom without + / =). */
    static String randomPassword() {
        java.security.SecureRandom r = new java.security.SecureRandom();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(40);
        for (int i = 0; i < 40; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** Boot reads a value with {@code $(< file)}: every trailing newline goes. */
    static String boot(byte[] value) {
        String v = new String(value, StandardCharsets.UTF_8);
        int n = v.length();
        while (n > 0 && v.charAt(n - 1) == '\n') {
            n--;
        }
        return v.substring(0, n);
    }

    /** The variables of an include, name -> value (the include's own format, {@link NodeContract.Vars#INCLUDE_LINE}). */
    static Map<String, String> vars(String include) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : include.split("\n")) {
            Matcher m = INCLUDE_VAR.matcher(line);
            if (m.find()) {
                int start = m.end();
                int end = line.lastIndexOf("\"/>");
                out.put(m.group(1), end > start ? line.substring(start, end) : "");
            }
        }
        return out;
    }

    private static String lower(Step st) {
        return st.name().toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        String l = i < 0 ? s : s.substring(0, i);
        return l.length() > 120 ? l.substring(0, 120) + "..." : l;
    }

    /** The state per secret, by suffix, in the contract's order; does not wait for a refresh in progress. */
    public Map<String, Status> status() {
        Map<String, Status> out = new LinkedHashMap<>();
        for (NodeContract.Secret sec : managed()) {
            Status st = status.get(sec.suffix());
            if (st != null) {
                out.put(sec.suffix(), st);
            }
        }
        return out;
    }

    /** For telemetry: applied versions (the gauge) and the /secrets document. */
    public Telemetry.SecretsReport report() {
        Map<String, Status> now = status();
        String last = lastRun;
        Map<String, Integer> versions = new LinkedHashMap<>();
        now.forEach((name, st) -> {
            if (st.version() > 0) {
                versions.put(name, st.version());
            }
        });
        String json = reportJson(now, last);
        return new Telemetry.SecretsReport() {
            @Override
            public Map<String, Integer> versions() {
                return versions;
            }

            @Override
            public String json() {
                return json;
            }
        };
    }

    /**
     * The {@code /secrets} document: {@code {"refresh":"on","lastRefresh":...,"secrets":{"<suffix>":{"version":applied,
     * "installed":n,"state":"applied|installing|waiting|failed|absent|unknown","detail":...}}}}; what
     * {@code secrets rotate} waits on (ops/secrets/NodeSecretWait).
     */
    public static String reportJson(Map<String, Status> status, String lastRefresh) {
        com.google.gson.JsonObject doc = new com.google.gson.JsonObject();
        doc.addProperty("refresh", "on");
        doc.addProperty("lastRefresh", lastRefresh);
        com.google.gson.JsonObject secrets = new com.google.gson.JsonObject();
        status.forEach((name, st) -> {
            com.google.gson.JsonObject o = new com.google.gson.JsonObject();
            o.addProperty("version", st.version());
            o.addProperty("installed", st.installed());
            o.addProperty("state", st.state());
            o.addProperty("detail", st.detail());
            secrets.add(name, o);
        });
        doc.add("secrets", secrets);
        return doc.toString();
    }

    static List<String> names(List<NodeContract.Secret> l) {
        return new ArrayList<>(l.stream().map(NodeContract.Secret::suffix).toList());
    }
}
