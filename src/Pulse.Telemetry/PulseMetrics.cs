namespace Pulse.Telemetry;

/// <summary>
/// The Prometheus metric schema: every family name, label and fixed label value that dashboards,
/// alert rules and the documentation (docs/metrics.md) depend on: renaming one breaks them.
/// </summary>
public static class PulseMetrics
{
    /// <summary>Meter that owns the instruments this library creates for HTTP traffic.</summary>
    public const string HttpMeterName = "Pulse.Http";

    /// <summary>Meter that owns the process instruments (CPU, memory, file descriptors, threads).</summary>
    public const string ProcessMeterName = "Pulse.Process";

    /// <summary>ASP.NET Core's own meter; its <c>http.server.request.duration</c> is the one per-request measurement.</summary>
    public const string AspNetCoreHostingMeterName = "Microsoft.AspNetCore.Hosting";

    /// <summary>Meter that owns the EMF exporter's own counters.</summary>
    public const string EmfMeterName = "Pulse.Emf";

    /// <summary>The .NET runtime's built-in meter (GC, thread pool, exceptions, lock contention).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Prometheus families for HTTP traffic.</summary>
    public static class Http
    {
        /// <summary>Counter of finished requests by method, endpoint and status code.</summary>
        public const string RequestsTotal = "http_requests_total";

        /// <summary>Histogram of request durations in seconds by method and endpoint.</summary>
        public const string RequestDuration = "http_request_duration_seconds";

        /// <summary>Histogram of request body sizes in bytes by method and endpoint.</summary>
        public const string RequestSize = "http_request_size_bytes";

        /// <summary>Histogram of response body sizes in bytes by method and endpoint.</summary>
        public const string ResponseSize = "http_response_size_bytes";

        /// <summary>Gauge of requests being served right now.</summary>
        public const string RequestsInProgress = "http_requests_in_progress";

        /// <summary>Default upper bounds of <see cref="RequestDuration"/> buckets, in seconds.</summary>
        public static IReadOnlyList<double> DefaultDurationBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 2, 5, 10];

        /// <summary>Default upper bounds of the size histograms' buckets, in bytes.</summary>
        public static IReadOnlyList<double> DefaultSizeBuckets { get; } = [100, 500, 1000, 5000, 10000, 50000, 100000];
    }

    /// <summary>Prometheus families for the process.</summary>
    public static class Process
    {
        /// <summary>Counter of user and system CPU time.</summary>
        public const string CpuSecondsTotal = "process_cpu_seconds_total";

        /// <summary>Gauge of resident set size.</summary>
        public const string ResidentMemory = "process_resident_memory_bytes";

        /// <summary>Gauge of virtual memory size.</summary>
        public const string VirtualMemory = "process_virtual_memory_bytes";

        /// <summary>Gauge of the process start time in Unix seconds.</summary>
        public const string StartTime = "process_start_time_seconds";

        /// <summary>Gauge of seconds since the process started.</summary>
        public const string Uptime = "process_uptime_seconds";

        /// <summary>Gauge of open file descriptors (the <c>custom_</c> prefix is part of the name dashboards use).</summary>
        public const string OpenFds = "custom_process_open_fds";

        /// <summary>Gauge of operating-system threads (the <c>custom_</c> prefix is part of the name dashboards use).</summary>
        public const string Threads = "custom_process_threads";

        /// <summary>Gauge of the soft limit on open file descriptors.</summary>
        public const string MaxFds = "process_max_fds";
    }

    /// <summary>Prometheus families about the CloudWatch EMF output itself.</summary>
    public static class Emf
    {
        /// <summary>Counter of EMF documents written to stdout.</summary>
        public const string DocumentsWritten = "emf_documents_written_total";

        /// <summary>Counter of EMF documents dropped because stdout could not keep up (the queue was full).</summary>
        public const string DocumentsDropped = "emf_documents_dropped_total";
    }

    /// <summary>Label names of the HTTP families.</summary>
    public static class Labels
    {
        /// <summary>HTTP method; one of <see cref="KnownMethods"/> or <see cref="OtherMethod"/>.</summary>
        public const string Method = "method";

        /// <summary>Route template such as <c>/products/{id}</c>, or <see cref="UnmatchedEndpoint"/>.</summary>
        public const string Endpoint = "endpoint";

        /// <summary>Numeric HTTP status code of the response.</summary>
        public const string StatusCode = "status_code";
    }

    /// <summary>The <c>endpoint</c> value of every request that matched no route.</summary>
    public const string UnmatchedEndpoint = "unmatched";

    /// <summary>The <c>method</c> value of every request whose method is not in <see cref="KnownMethods"/>.</summary>
    public const string OtherMethod = "OTHER";

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    /// <summary>Methods reported as themselves; anything else is <see cref="OtherMethod"/> (RFC 9110 and RFC 5789).</summary>
    public static IReadOnlyList<string> KnownMethods => Methods;

    /// <summary>Returns the bounded <c>method</c> label value for a request method (on the request path: allocates nothing).</summary>
    public static string NormalizeMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        foreach (var known in Methods)
        {
            if (string.Equals(known, method, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return OtherMethod;
    }
}
