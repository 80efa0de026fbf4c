using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pulse.LoadGen.Measurement;

/// <summary>
/// The run's result, printed as tables and written by <c>--json FILE</c> (schema in docs/loadgen.md;
/// <see cref="CurrentSchemaVersion"/> changes whenever a field changes meaning or disappears).
/// </summary>
internal sealed record RunSummary
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Target { get; init; }

    public required string Scenario { get; init; }

    /// <summary><c>open-loop</c> (with <c>--rps</c>) or <c>closed-loop</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>Requested rate; open loop only.</summary>
    public double? Rps { get; init; }

    /// <summary>Closed loop: concurrent senders. Open loop: connection limit.</summary>
    public required int Concurrency { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>From the first request to the last answer, cleanup included.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary><c>duration</c>, <c>interrupt</c> or <c>scenario-complete</c>.</summary>
    public required string StoppedBy { get; init; }

    public required double MaxErrorRate { get; init; }

    /// <summary><c>overall.unexpected / overall.count</c> (0 when nothing was counted).</summary>
    public required double ErrorRate { get; init; }

    public required int ExitCode { get; init; }

    public required EndpointSummary Overall { get; init; }

    public required IReadOnlyList<EndpointSummary> Endpoints { get; init; }

    /// <summary>Open loop only: how late requests left compared with their intended send times.</summary>
    public LagSummary? ScheduleLagMs { get; init; }

    /// <summary>Up to 10 distinct descriptions of unexpected outcomes, most frequent first.</summary>
    public required IReadOnlyList<FailureSample> Failures { get; init; }

    /// <summary>What the generator itself cost, to tell its limits from the service's.</summary>
    public required GeneratorCost Generator { get; init; }
}

/// <summary>The generator's own cost during the run: managed allocations per request and garbage collections.</summary>
internal sealed record GeneratorCost(double AllocatedBytesPerRequest, int Gen0Collections, int Gen2Collections);

/// <summary>Counts and latency of one endpoint, or of all of them (<see cref="Method"/> and <see cref="Endpoint"/> absent).</summary>
internal sealed record EndpointSummary
{
    public string? Method { get; init; }

    /// <summary>Route template, as the service's <c>endpoint</c> label.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Requests that finished: responses, timeouts and connection errors.</summary>
    public required long Count { get; init; }

    /// <summary><see cref="Count"/> per second of the run.</summary>
    public required double Rate { get; init; }

    /// <summary>Responses by status code (<c>"0"</c>: outside 100..599).</summary>
    public required IReadOnlyDictionary<string, long> StatusCodes { get; init; }

    /// <summary>Responses with status 400 or more, intended ones included: what the service's error metrics see.</summary>
    public required long HttpErrors { get; init; }

    public required long Timeouts { get; init; }

    public required long ConnectionErrors { get; init; }

    /// <summary>Outcomes the scenario did not expect: wrong status or body, timeouts, connection errors.</summary>
    public required long Unexpected { get; init; }

    /// <summary>Abandoned by a second Ctrl+C; not part of <see cref="Count"/>.</summary>
    public required long Cancelled { get; init; }

    /// <summary>Latency of complete responses in milliseconds; absent when there were none.</summary>
    public LatencySummary? LatencyMs { get; init; }
}

internal sealed record LatencySummary(double Min, double P50, double P90, double P99, double Max, double Mean)
{
    public static LatencySummary? From(HistogramCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Count == 0
            ? null
            : new LatencySummary(
                Milliseconds(counts.Min),
                Milliseconds(counts.ValueAtQuantile(0.50)),
                Milliseconds(counts.ValueAtQuantile(0.90)),
                Milliseconds(counts.ValueAtQuantile(0.99)),
                Milliseconds(counts.Max),
                Math.Round(counts.Sum / (double)counts.Count / 1e6, 3));
    }

    /// <summary>Nanoseconds to milliseconds, kept to the microsecond.</summary>
    public static double Milliseconds(long nanoseconds) => Math.Round(nanoseconds / 1e6, 3);
}

internal sealed record LagSummary(double P50, double P99, double Max);

internal sealed record FailureSample(string Description, long Count);

/// <summary>Builds a <see cref="RunSummary"/> from what a run measured.</summary>
internal static class SummaryBuilder
{
    public static EndpointSummary Endpoint(EndpointStats stats, double seconds)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var latency = new HistogramCounts();
        latency.Add(stats.Latency);
        return new EndpointSummary
        {
            Method = stats.Key.Method,
            Endpoint = stats.Key.Route,
            Count = stats.Count,
            Rate = Rate(stats.Count, seconds),
            StatusCodes = StatusCodes(stats.StatusCounts()),
            HttpErrors = stats.HttpErrors,
            Timeouts = stats.Timeouts,
            ConnectionErrors = stats.ConnectionErrors,
            Unexpected = stats.Unexpected,
            Cancelled = stats.Cancelled,
            LatencyMs = LatencySummary.From(latency),
        };
    }

    public static EndpointSummary Overall(RunStats stats, double seconds)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var latency = new HistogramCounts();
        stats.MergeLatency(latency);
        var count = stats.Count;
        return new EndpointSummary
        {
            Count = count,
            Rate = Rate(count, seconds),
            StatusCodes = StatusCodes(stats.Endpoints.SelectMany(e => e.StatusCounts()).GroupBy(s => s.Key).Select(g => new KeyValuePair<int, long>(g.Key, g.Sum(s => s.Value)))),
            HttpErrors = stats.Endpoints.Sum(e => e.HttpErrors),
            Timeouts = stats.Endpoints.Sum(e => e.Timeouts),
            ConnectionErrors = stats.Endpoints.Sum(e => e.ConnectionErrors),
            Unexpected = stats.Unexpected,
            Cancelled = stats.Endpoints.Sum(e => e.Cancelled),
            LatencyMs = LatencySummary.From(latency),
        };
    }

    public static double ErrorRate(long unexpected, long count) => count == 0 ? 0 : (double)unexpected / count;

    private static double Rate(long count, double seconds) => seconds <= 0 ? 0 : Math.Round(count / seconds, 2);

    private static Dictionary<string, long> StatusCodes(IEnumerable<KeyValuePair<int, long>> counts) =>
        counts.OrderBy(c => c.Key).ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => c.Value, StringComparer.Ordinal);
}

/// <summary>The JSON shape of <c>--json</c>: camelCase, indented, absent rather than null.</summary>
internal static class SummaryJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(RunSummary summary) => JsonSerializer.Serialize(summary, Options);
}
