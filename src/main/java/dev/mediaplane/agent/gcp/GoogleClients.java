package dev.mediaplane.agent.gcp;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.ComputeEngineCredentials;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.agent.recordings.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Filter;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Google's own storage and Pub/Sub clients for the node agent, built once per process from an explicit
 * environment map, and closed with it.
 *
 * <p><b>Endpoints.</b> Google's, unless the map names an override: {@value #GCS_ENDPOINT} (a base URL such as
 * {@code http://127.0.0.1:PORT}, handed to {@code StorageOptions.http().setHost}), {@value #PUBSUB_ENDPOINT} (a
 * base URL, handed to {@code TopicAdminSettings.newHttpJsonBuilder().setEndpoint}; gax keeps an explicit
 * {@code http://} scheme) and {@value #GCE_METADATA_HOST} ({@code host:port}, the variable google-auth itself
 * reads).
 *
 * <p><b>Credentials, deterministically.</b> One explicit {@link ComputeEngineCredentials} (what the libraries
 * pick by default on GCE), never Application Default Credentials: no {@code GOOGLE_APPLICATION_CREDENTIALS}
 * file, no gcloud config, no "am I on GCE" ping. google-auth reads the metadata host from the <em>process</em>
 * environment, so its HTTP transport here connects every metadata request to the host taken from the map
 * (default {@value #DEFAULT_METADATA_HOST}) whatever the process environment says, without a proxy. The
 * universe domain is set ({@code googleapis.com}) rather than fetched, and the project id is given, so the
 * only metadata call is the token fetch, done and cached by google-auth; the token is never logged here.
 *
 * <p><b>Logs.</b> google-http-client logs every request and response at {@code CONFIG} on the
 * {@code com.google.api.client.http.HttpTransport} logger, bodies included, and at {@code ALL} the Authorization
 * header too: with that logger turned up, the metadata server's token response and every bearer token would be
 * logged. {@link #fromEnvironment} puts a filter on that logger that rewrites such records before any handler sees
 * them ({@code Bearer <redacted>}, {@code "access_token": "<redacted>"}), so turning debug logging on never prints
 * a credential while the rest of the record stays readable.
 *
 * <p><b>Retries</b> are the clients' own, bounded so the pipeline's outer backoff stays in charge: storage
 * {@link #STORAGE_RETRIES} (6 attempts, 250 ms doubling to 4 s, 60 s in all, the storage client's default
 * strategy: idempotent calls only, and a create with {@code ifGenerationMatch=0} is idempotent); publish
 * {@link #PUBLISH_RETRIES} (5 attempts, 100 ms doubling to 2 s, 10 s per attempt, 30 s in all, on the codes the
 * generated Pub/Sub settings retry: UNAVAILABLE, ABORTED, ...).
 */
public final class GoogleClients implements AutoCloseable {

    /** Base URL of the GCS JSON API, e.g. {@code http://127.0.0.1:8080}; default Google's. */
    public static final String GCS_ENDPOINT = "GCS_ENDPOINT";
    /** Base URL of the Pub/Sub REST API, e.g. {@code http://127.0.0.1:8080}; default Google's. */
    public static final String PUBSUB_ENDPOINT = "PUBSUB_ENDPOINT";
    /** {@code host:port} of the metadata server (google-auth's own variable); default {@value #DEFAULT_METADATA_HOST}. */
    public static final String GCE_METADATA_HOST = "GCE_METADATA_HOST";
    /** Base URL of the Secret Manager REST API, e.g. {@code http://127.0.0.1:8080}; default Google's. */
    public static final String SECRETMANAGER_ENDPOINT = "SECRETMANAGER_ENDPOINT";
    public static final String DEFAULT_METADATA_HOST = "metadata.google.internal:80";

    public static final RetrySettings STORAGE_RETRIES = RetrySettings.newBuilder()
            .setMaxAttempts(6)
            .setInitialRetryDelayDuration(Duration.ofMillis(250))
            .setRetryDelayMultiplier(2.0)
            .setMaxRetryDelayDuration(Duration.ofSeconds(4))
            .setInitialRpcTimeoutDuration(Duration.ofSeconds(30))
            .setRpcTimeoutMultiplier(1.0)
            .setMaxRpcTimeoutDuration(Duration.ofSeconds(30))
            .setTotalTimeoutDuration(Duration.ofSeconds(60))
            .build();

    public static final RetrySettings PUBLISH_RETRIES = RetrySettings.newBuilder()
            .setMaxAttempts(5)
            .setInitialRetryDelayDuration(Duration.ofMillis(100))
            .setRetryDelayMultiplier(2.0)
            .setMaxRetryDelayDuration(Duration.ofSeconds(2))
            .setInitialRpcTimeoutDuration(Duration.ofSeconds(10))
            .setRpcTimeoutMultiplier(1.0)
            .setMaxRpcTimeoutDuration(Duration.ofSeconds(10))
            .setTotalTimeoutDuration(Duration.ofSeconds(30))
            .build();

    /** Held strongly: LogManager keeps loggers weakly, and a collected logger would forget its filter. */
    private static final Logger HTTP_LOG = Logger.getLogger("com.google.api.client.http.HttpTransport");
    private static final Pattern BEARER = Pattern.compile("(?i)(Bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern TOKEN_FIELD = Pattern.compile("(\"(?:access_token|id_token|refresh_token)\"\\s*:\\s*\")[^\"]*");
    private static final java.util.logging.Formatter FORMAT = new java.util.logging.SimpleFormatter();
    private static final Filter NO_TOKENS = r -> {
        if (r.getParameters() != null && r.getParameters().length > 0) {
            // A token passed as a parameter would be formatted in later, past this filter: format it in now.
            r.setMessage(FORMAT.formatMessage(r));
            r.setParameters(null);
        }
        String m = r.getMessage();
        if (m != null) {
            String clean = TOKEN_FIELD.matcher(BEARER.matcher(m).replaceAll("$1<redacted>")).replaceAll("$1<redacted>");
            if (!clean.equals(m)) {
                r.setMessage(clean);
            }
        }
        return true;
    };

    private static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):([0-9]{1,5})");

    private final String project;
    private final ComputeEngineCredentials credentials;
    private final Storage storage;
    private final String pubsubEndpoint;
    private final String secretsEndpoint;
    private TopicAdminClient topicAdmin;
    private com.google.cloud.secretmanager.v1.SecretManagerServiceClient secretManager;
    private boolean closed;

    private GoogleClients(String project, ComputeEngineCredentials credentials, Storage storage, String pubsubEndpoint,
                          String secretsEndpoint) {
        this.secretsEndpoint = secretsEndpoint;
        this.project = project;
        this.credentials = credentials;
        this.storage = storage;
        this.pubsubEndpoint = pubsubEndpoint;
    }

    /**
     * Builds the clients from {@code env} (normally {@code System.getenv()}; only the three keys above are read).
     *
     * @throws IllegalArgumentException a malformed project or endpoint, naming the key, the value and what is allowed
     */
    public static GoogleClients fromEnvironment(Map<String, String> env, String project) {
        Objects.requireNonNull(env, "env");
        redactTokenLogs();
        if (project == null || !PROJECT.matcher(project).matches()) {
            throw new IllegalArgumentException("project must be a project id (6-30 of [a-z0-9-], starting with a letter), got '"
                    + project + "'");
        }
        String gcs = baseUrl(env, GCS_ENDPOINT);
        String pubsub = baseUrl(env, PUBSUB_ENDPOINT);
        String secrets = baseUrl(env, SECRETMANAGER_ENDPOINT);
        String metadataHost = env.getOrDefault(GCE_METADATA_HOST, DEFAULT_METADATA_HOST);
        var hp = HOST_PORT.matcher(metadataHost);
        if (!hp.matches() || Integer.parseInt(hp.group(2)) > 65535) {
            throw new IllegalArgumentException(GCE_METADATA_HOST + " must be host:port (e.g. 169.254.169.254:80), got '"
                    + metadataHost + "'");
        }
        String host = hp.group(1);
        int port = Integer.parseInt(hp.group(2));
        // Every metadata request goes to the configured host, whatever URL google-auth built from the process env.
        NetHttpTransport metadataTransport = new NetHttpTransport.Builder()
                .setConnectionFactory(url -> metadataConnection(url, host, port))
                .build();
        ComputeEngineCredentials credentials = ComputeEngineCredentials.newBuilder()
                .setHttpTransportFactory(() -> metadataTransport)
                .setUniverseDomain("googleapis.com")
                .build();
        var storageOptions = StorageOptions.http()
                .setProjectId(project)
                .setCredentials(credentials)
                .setRetrySettings(STORAGE_RETRIES);
        if (gcs != null) {
            storageOptions.setHost(gcs);
        }
        return new GoogleClients(project, credentials, storageOptions.build().getService(), pubsub, secrets);
    }

    private static synchronized void redactTokenLogs() {
        Filter current = HTTP_LOG.getFilter();
        if (current != NO_TOKENS) {
            HTTP_LOG.setFilter(current == null ? NO_TOKENS : r -> NO_TOKENS.isLoggable(r) && current.isLoggable(r));
        }
    }

    private static HttpURLConnection metadataConnection(URL url, String host, int port) throws IOException {
        URL target = new URL("http", host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port, url.getFile());
        return (HttpURLConnection) target.openConnection(Proxy.NO_PROXY);
    }

    private static String baseUrl(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null || v.isEmpty()) {
            return null;
        }
        URI u;
        try {
            u = URI.create(v);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))
                || u.getQuery() != null || u.getUserInfo() != null) {
            throw new IllegalArgumentException(key + " must be a base URL http(s)://host[:port] without path, query or"
                    + " user info, got '" + v + "'");
        }
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    public String project() { return project; }

    /** The bucket through the storage client, resumable above {@link GcsObjectStore#DEFAULT_RESUMABLE_THRESHOLD}. */
    public ObjectStore objectStore(String bucket) {
        return new GcsObjectStore(storage(), bucket);
    }

    /** As {@link #objectStore(String)} with another resumable threshold and chunk size (see {@link GcsObjectStore}). */
    public ObjectStore objectStore(String bucket, long resumableThreshold, int chunkSize) {
        return new GcsObjectStore(storage(), bucket, resumableThreshold, chunkSize);
    }

    /** The topic {@code projects/<project>/topics/<topic>} through one shared HTTP/JSON {@link TopicAdminClient}. */
    public EventPublisher eventPublisher(String topic) {
        return new PubSubEventPublisher(topicAdmin(), project, topic);
    }

    /**
     * One shared Secret Manager client over HTTP/JSON (the agent jar carries no gRPC transport), with the node's
     * credentials; the secret refresh reads {@code versions/latest} with it (the node account's secretAccessor).
     */
    public synchronized com.google.cloud.secretmanager.v1.SecretManagerServiceClient secretManager() {
        if (closed) {
            throw new IllegalStateException("GoogleClients is closed");
        }
        if (secretManager == null) {
            try {
                var b = com.google.cloud.secretmanager.v1.SecretManagerServiceSettings.newHttpJsonBuilder()
                        .setCredentialsProvider(FixedCredentialsProvider.create(credentials));
                if (secretsEndpoint != null) {
                    b.setEndpoint(secretsEndpoint);
                }
                secretManager = com.google.cloud.secretmanager.v1.SecretManagerServiceClient.create(b.build());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Secret Manager client: " + e.getMessage(), e);
            }
        }
        return secretManager;
    }

    private synchronized Storage storage() {
        if (closed) {
            throw new IllegalStateException("GoogleClients is closed");
        }
        return storage;
    }

    private synchronized TopicAdminClient topicAdmin() {
        if (closed) {
            throw new IllegalStateException("GoogleClients is closed");
        }
        if (topicAdmin == null) {
            try {
                TopicAdminSettings.Builder b = TopicAdminSettings.newHttpJsonBuilder()
                        .setCredentialsProvider(FixedCredentialsProvider.create(credentials));
                if (pubsubEndpoint != null) {
                    b.setEndpoint(pubsubEndpoint);
                }
                // One request per publish: the caller's outbox is the batch, and its entry waits for this id.
                b.publishSettings()
                        .setRetrySettings(PUBLISH_RETRIES)
                        .setBatchingSettings(BatchingSettings.newBuilder().setIsEnabled(false).build());
                topicAdmin = TopicAdminClient.create(b.build());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Pub/Sub client: " + e.getMessage(), e);
            }
        }
        return topicAdmin;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (topicAdmin != null) {
            topicAdmin.close();
        }
        if (secretManager != null) {
            secretManager.close();
        }
        try {
            storage.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the storage client: " + e.getMessage(), e);
        }
    }
}
