using Prometheus;

namespace AkkaRouter.Metrics;

/// <summary>
/// The node's Prometheus metrics, in a registry of its own (so several nodes in one process, as in
/// the demo and tests, never share counters).
/// </summary>
/// <remarks>
/// Hot paths never touch these per request: the RESP connection counts into a local
/// <see cref="RespBatchCounts"/> and flushes once per read batch.
/// </remarks>
public sealed class RouterMetrics
{
    public RouterMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        RespCommands = factory.CreateCounter("akkarouter_resp_commands_total", "RESP commands answered, by command and result.",
            new CounterConfiguration { LabelNames = ["command", "result"] });
        Lookups = factory.CreateCounter("akkarouter_lookups_total", "Key lookups (GET, MGET keys, RING.LOOKUP), by result: hit or empty ring.",
            new CounterConfiguration { LabelNames = ["result"] });
        RespConnections = factory.CreateGauge("akkarouter_resp_connections", "Open RESP client connections.");
        RespConnectionsTotal = factory.CreateCounter("akkarouter_resp_connections_total", "RESP connections accepted, by outcome (accepted, rejected).",
            new CounterConfiguration { LabelNames = ["outcome"] });
        RespBatchDuration = factory.CreateHistogram("akkarouter_resp_batch_duration_seconds",
            "Server time from a read to its replies being written, per read batch (one command per batch unless the client pipelines).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_002, 2, 16) });
        RingVersion = factory.CreateGauge("akkarouter_ring_version", "Version of this node's ring snapshot.");
        RingBackends = factory.CreateGauge("akkarouter_ring_backends", "Backends on this node's ring.");
        RingPoints = factory.CreateGauge("akkarouter_ring_points", "Points on this node's ring.");
        RingChanges = factory.CreateCounter("akkarouter_ring_changes_total", "Ring snapshots published.");
        RingKeysMoved = factory.CreateHistogram("akkarouter_ring_keys_moved_ratio", "Exact fraction of the key space that changed owner, per ring change.",
            new HistogramConfiguration { Buckets = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1] });
        MembershipEvents = factory.CreateCounter("akkarouter_membership_events_total", "Cluster membership events seen by this node, by event.",
            new CounterConfiguration { LabelNames = ["event"] });
        HttpRequests = factory.CreateCounter("akkarouter_http_requests_total", "HTTP edge requests, by backend and status code.",
            new CounterConfiguration { LabelNames = ["backend", "status"] });
        HttpRequestDuration = factory.CreateHistogram("akkarouter_http_request_duration_seconds",
            "HTTP edge requests forwarded: time from routing the request to its answer, every attempt on the preference list included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_25, 2, 16) });
        HttpRetries = factory.CreateCounter("akkarouter_http_retries_total", "HTTP edge attempts moved to the next backend of the preference list, by the backend skipped.",
            new CounterConfiguration { LabelNames = ["backend"] });
        HttpSpills = factory.CreateCounter("akkarouter_http_spills_total",
            "HTTP edge requests that passed over a backend for the next one of the key's preference list because it was over its bounded load (akka-router.http.balance-factor), by the backend passed over.",
            new CounterConfiguration { LabelNames = ["backend"] });
        HttpConnectionsRejected = factory.CreateCounter("akkarouter_http_connections_rejected_total",
            "HTTP edge client connections closed at once because akka-router.http.limits.max-connections were already open.");
        HttpCircuitState = factory.CreateGauge("akkarouter_http_circuit_state", "Circuit state per backend: 0 closed, 1 half-open, 2 open.",
            new GaugeConfiguration { LabelNames = ["backend"] });
        BackendState = factory.CreateGauge("akkarouter_backend_state", "1 for each backend's current state on this node's ring (up, warming, unhealthy, draining), else 0.",
            new GaugeConfiguration { LabelNames = ["backend", "state"] });
        BackendEffectiveWeight = factory.CreateGauge("akkarouter_backend_effective_weight", "Weight each backend is placed with on this node's ring (0 when it owns no keys).",
            new GaugeConfiguration { LabelNames = ["backend"] });
        BackendShare = factory.CreateGauge("akkarouter_backend_share", "Exact fraction of the key space each backend owns on this node's ring of its service.",
            new GaugeConfiguration { LabelNames = ["backend"] });
        HealthCheckDuration = factory.CreateHistogram("akkarouter_health_check_duration_seconds", "Health checks run by this node, by backend: time to the verdict of one check.",
            new HistogramConfiguration { LabelNames = ["backend"], Buckets = Histogram.ExponentialBuckets(0.000_1, 2, 14) });
        HealthCheckFailures = factory.CreateCounter("akkarouter_health_check_failures_total", "Failed health checks run by this node, by backend.",
            new CounterConfiguration { LabelNames = ["backend"] });
        // The process and its managed heap, read when /metrics is scraped (never on a request path):
        // prometheus-net's process_* and dotnet_* set, plus the heap as the last collection left it,
        // which tells a growing RSS that is live objects from one that is the runtime keeping memory.
        DotNetStats.Register(Registry);
        var heapAfterGc = factory.CreateGauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection (GC.GetGCMemoryInfo().HeapSizeBytes).");
        var committed = factory.CreateGauge("dotnet_gc_committed_bytes", "Memory the garbage collector has committed (GC.GetGCMemoryInfo().TotalCommittedBytes).");
        var fragmented = factory.CreateGauge("dotnet_gc_fragmented_bytes", "Free space inside the managed heap after the last garbage collection (GC.GetGCMemoryInfo().FragmentedBytes).");
        var liveAfterGen2 = factory.CreateGauge("dotnet_gc_live_after_gen2_bytes",
            "Bytes that survived the last gen2 collection (blocking or background): the live objects of the whole heap then. A leak raises it from one gen2 collection to the next; garbage waiting for one does not.");
        var allocated = factory.CreateGauge("dotnet_gc_allocated_bytes_total",
            "Bytes allocated on the managed heap since the process started (GC.GetTotalAllocatedBytes): its rate over a request rate is the bytes each request allocates.");
        Registry.AddBeforeCollectCallback(() =>
        {
            allocated.Set(GC.GetTotalAllocatedBytes());
            var info = GC.GetGCMemoryInfo();
            heapAfterGc.Set(info.HeapSizeBytes);
            committed.Set(info.TotalCommittedBytes);
            fragmented.Set(info.FragmentedBytes);
            var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            var background = GC.GetGCMemoryInfo(GCKind.Background);
            var gen2 = background.Index > blocking.Index ? background : blocking;
            if (gen2.Index > 0)
                liveAfterGen2.Set(gen2.PromotedBytes);
        });
        TlsReloads = factory.CreateCounter("akkarouter_tls_certificate_reloads_total",
            "A listener's certificate files re-read after they changed, by listener and result: loaded, or kept (the changed files did not load; the current certificate stays).",
            new CounterConfiguration { LabelNames = ["listener", "result"] });
    }

    public Counter TlsReloads { get; }

    public CollectorRegistry Registry { get; }
    public Counter RespCommands { get; }
    public Counter Lookups { get; }
    public Gauge RespConnections { get; }
    public Counter RespConnectionsTotal { get; }
    public Histogram RespBatchDuration { get; }
    public Gauge RingVersion { get; }
    public Gauge RingBackends { get; }
    public Gauge RingPoints { get; }
    public Counter RingChanges { get; }
    public Histogram RingKeysMoved { get; }
    public Counter MembershipEvents { get; }
    public Counter HttpRequests { get; }
    public Histogram HttpRequestDuration { get; }
    public Counter HttpRetries { get; }
    public Counter HttpSpills { get; }
    public Counter HttpConnectionsRejected { get; }
    public Gauge HttpCircuitState { get; }
    public Gauge BackendState { get; }
    public Gauge BackendEffectiveWeight { get; }
    public Gauge BackendShare { get; }
    public Histogram HealthCheckDuration { get; }
    public Counter HealthCheckFailures { get; }

    /// <summary>Counts one health check of backend <paramref name="id"/>.</summary>
    public void ObserveCheck(string id, Health.ProbeResult result)
    {
        HealthCheckDuration.WithLabels(id).Observe(result.Latency.TotalSeconds);
        if (!result.Passed)
            HealthCheckFailures.WithLabels(id).Inc();
    }

    /// <summary>Sets the per-backend state, weight and share gauges from a ring snapshot; backends that left are removed.</summary>
    public void SetBackends(Ring.RingSnapshot ring, Ring.RingSnapshot? previous)
    {
        if (previous is not null)
        {
            foreach (var gone in previous.Backends.Where(b => !ring.Backends.Any(n => n.Id == b.Id)))
            {
                BackendEffectiveWeight.RemoveLabelled(gone.Id);
                BackendShare.RemoveLabelled(gone.Id);
                foreach (var state in Enum.GetValues<Ring.BackendState>())
                    BackendState.RemoveLabelled(gone.Id, Ring.BackendStates.Name(state));
            }
        }
        foreach (var backend in ring.Backends)
        {
            BackendEffectiveWeight.WithLabels(backend.Id).Set(backend.Weight);
            BackendShare.WithLabels(backend.Id).Set(ring.ShareOf(backend.Id));
            foreach (var state in Enum.GetValues<Ring.BackendState>())
                BackendState.WithLabels(backend.Id, Ring.BackendStates.Name(state)).Set(state == backend.State ? 1 : 0);
        }
    }

    /// <summary>Writes every metric in the Prometheus text format.</summary>
    public Task WriteTo(Stream stream, CancellationToken cancel) => Registry.CollectAndExportAsTextAsync(stream, cancel);
}
