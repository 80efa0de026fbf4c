using System.Collections.Concurrent;

namespace Pulse.LoadGen.Measurement;

/// <summary>Everything a run measures: one <see cref="EndpointStats"/> per endpoint the scenario declares, plus run-wide counters.</summary>
internal sealed class RunStats
{
    /// <summary>How many distinct failure descriptions the summary keeps as examples.</summary>
    public const int MaxFailureSamples = 10;

    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private long _sent;

    public RunStats(IReadOnlyList<EndpointKey> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Endpoints = [.. endpoints.Select(e => new EndpointStats(e))];
    }

    /// <summary>Indexed by the endpoint numbers the scenario uses.</summary>
    public IReadOnlyList<EndpointStats> Endpoints { get; }

    /// <summary>Requests handed to the HTTP stack, including those still in flight.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Open loop only: how late each request left compared with its intended send time, in nanoseconds.</summary>
    public LatencyHistogram ScheduleLag { get; } = new();

    public void CountSent() => Interlocked.Increment(ref _sent);

    /// <summary>Keeps up to <see cref="MaxFailureSamples"/> distinct descriptions of unexpected outcomes, with how often each happened.</summary>
    public void NoteFailure(string description)
    {
        // ContainsKey first: it takes no lock, while Count takes every bucket's (an outage makes every sender come here).
        if (_failures.ContainsKey(description) || _failures.Count < MaxFailureSamples)
        {
            _failures.AddOrUpdate(description, 1, static (_, n) => n + 1);
        }
    }

    public IReadOnlyList<KeyValuePair<string, long>> FailureSamples() =>
        [.. _failures.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal)];

    public long Count => Endpoints.Sum(e => e.Count);

    public long Errors => Endpoints.Sum(e => e.Errors);

    public long Unexpected => Endpoints.Sum(e => e.Unexpected);

    /// <summary>Copies every endpoint's latency counters into <paramref name="into"/> (cleared first).</summary>
    public void MergeLatency(HistogramCounts into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        foreach (var endpoint in Endpoints)
        {
            into.Add(endpoint.Latency);
        }
    }
}
