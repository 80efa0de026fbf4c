namespace Pulse.Telemetry;

/// <summary>Settings of <c>Telemetry:Emf</c>: CloudWatch Embedded Metric Format documents on stdout.</summary>
public sealed class EmfOptions
{
    /// <summary>
    /// Write EMF documents at all. On by default, so the service prints them wherever it runs; an exporter
    /// whose options say false listens to nothing and writes nothing.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>One document per interval and endpoint (<see cref="EmfMode.Aggregated"/>), or one per request.</summary>
    public EmfMode Mode { get; set; } = EmfMode.Aggregated;

    /// <summary>
    /// Length of an aggregation interval, aligned to the wall clock. Whole seconds from 1 to 60 that divide a
    /// minute, so that every interval lies inside one CloudWatch period.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How <c>RequestLatencyMs</c> (and any histogram of <see cref="Meters"/>) is written in aggregated documents.</summary>
    public EmfLatencyFormat LatencyFormat { get; set; } = EmfLatencyFormat.Distribution;

    /// <summary>
    /// Documents waiting for stdout. When stdout stalls and this many are queued, further documents are
    /// dropped and counted instead of holding up requests.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Further meters (OpenTelemetry <c>AddMeter</c> names, wildcards allowed) whose metrics are published too,
    /// once per interval in both modes: each point at the dimension set <c>[Service]</c> plus its attributes.
    /// Empty by default: only the request metrics above are published.
    /// </summary>
    public IList<string> Meters { get; } = [];

    /// <summary>The CloudWatch namespace; set from <see cref="EmfMetrics.NamespaceVariable"/>.</summary>
    public string Namespace { get; set; } = EmfMetrics.DefaultNamespace;

    /// <summary>The <c>Service</c> dimension value; set from <see cref="EmfMetrics.ServiceNameVariable"/>.</summary>
    public string ServiceName { get; set; } = EmfMetrics.DefaultServiceName;

    internal void CopyTo(EmfOptions target)
    {
        target.Enabled = Enabled;
        target.Mode = Mode;
        target.FlushInterval = FlushInterval;
        target.LatencyFormat = LatencyFormat;
        target.QueueCapacity = QueueCapacity;
        target.Namespace = Namespace;
        target.ServiceName = ServiceName;
        HttpTelemetryOptions.CopyAll(Meters, target.Meters);
    }
}

/// <summary>What an EMF document stands for.</summary>
public enum EmfMode
{
    /// <summary>Per flush interval, one document per dimension combination (a few where limits force a split).</summary>
    Aggregated,

    /// <summary>One document per request, with its request id, trace id, method and status code.</summary>
    PerRequest,
}

/// <summary>How an aggregated latency distribution is written.</summary>
public enum EmfLatencyFormat
{
    /// <summary>
    /// <c>{"Values":[...],"Counts":[...],"Max","Min","Count","Sum"}</c> from an exponential histogram, as the
    /// CloudWatch agent and the OpenTelemetry collector's EMF exporter write it: exact count, sum, min and max,
    /// percentiles within about 1%.
    /// </summary>
    Distribution,

    /// <summary>
    /// Only forms the published specification lists: a plain array of at most 100 numbers per document.
    /// Every request's value when there are at most 100, otherwise 100 values evenly spread over the ranks.
    /// </summary>
    Values,

    /// <summary><c>{"Max","Min","Count","Sum"}</c>: exact count, sum, min and max, no percentiles.</summary>
    StatisticSet,
}
