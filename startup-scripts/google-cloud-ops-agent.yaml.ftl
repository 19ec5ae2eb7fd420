<#assign a = c.opsAgent()>
# Ops Agent configuration of stack [=m.stack]; boot installs it as [=a.configPath].
# The agent merges it over its built-in config. Debian images ship no logging agent: without this,
# node events never reach Cloud Logging and every log-based metric stays empty.
logging:
  receivers:
    # The whole journal; every journald field becomes jsonPayload.<FIELD> (MESSAGE, SYSLOG_IDENTIFIER, ...).
    # Entries land in projects/<project>/logs/[=a.logReceiver] on resource gce_instance.
    [=a.logReceiver]:
      type: systemd_journald
  processors:
    # Only the node services (SyslogIdentifier=[=a.syslogIdentifier]): their lines are the JSON events.
    [=a.logReceiver]_only:
      type: exclude_logs
      match_any:
        - 'jsonPayload.SYSLOG_IDENTIFIER !~ "^[=a.syslogIdentifier]$"'
    # The JSON line sits in MESSAGE: parse it so log metrics read jsonPayload.event and its fields.
    [=a.logReceiver]_json:
      type: parse_json
      field: MESSAGE
  service:
    pipelines:
      [=a.logReceiver]:
        receivers: [[=a.logReceiver]]
        processors: [[=a.logReceiver]_only, [=a.logReceiver]_json]
metrics:
  receivers:
    # CPU, memory, disk and network of the node (agent.googleapis.com/*), replacing the built-in
    # receiver of the same id so they are collected once.
    hostmetrics:
      type: hostmetrics
      collection_interval: 60s
    # The node agent's /metrics (the families of the node contract), written to Cloud Monitoring as
    # prometheus.googleapis.com/<name>/<kind> on resource prometheus_target; the dashboard and the
    # alert policies read them. The agent listens on the node's internal address (controllers'
    # Prometheus) and on loopback, which this node-independent file names.
    [=a.metricsReceiver]:
      type: prometheus
      config:
        scrape_configs:
          - job_name: [=a.metricsJob]
            scrape_interval: 30s
            scrape_timeout: 10s
            metrics_path: /metrics
            static_configs:
              - targets: ['127.0.0.1:[=m.fleet.healthPort]']
  service:
    pipelines:
      default_pipeline:
        receivers: [hostmetrics]
      # Prometheus pipelines take no custom processors.
      [=a.metricsReceiver]:
        receivers: [[=a.metricsReceiver]]
