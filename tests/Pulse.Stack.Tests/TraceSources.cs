using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pulse.Stack.Tests;

/// <summary>
/// Where a live test learns which traces the service's requests belong to, so that it can check that an
/// exemplar leads to one: the service is configured by it, every request goes out through it, and it reports the
/// trace ids that were sampled (kept) and those that were not.
/// </summary>
public interface ITraceSource
{
    /// <summary>Settings the service needs for this source (a trace exporter's endpoint, say).</summary>
    void Configure(IWebHostBuilder service);

    /// <summary>Readies a request to the service (its trace context, say).</summary>
    void Prepare(HttpRequestMessage request);

    /// <summary>Trace ids of the requests so far whose traces were sampled.</summary>
    Task<IReadOnlySet<string>> SampledTraceIdsAsync();

    /// <summary>Trace ids of the requests so far whose traces were not sampled.</summary>
    Task<IReadOnlySet<string>> UnsampledTraceIdsAsync();
}

/// <summary>
/// Traces the test starts itself: each request carries a W3C <c>traceparent</c> header of a new trace, two in
/// three with the sampled flag. The service's request activity continues the caller's trace and inherits its
/// sampling decision, so a sampled request's exemplar carries the trace id sent here (and the span id of the
/// service's own span in it).
/// </summary>
public sealed class TraceparentSource : ITraceSource
{
    private readonly ConcurrentDictionary<string, bool> _traces = new(StringComparer.Ordinal);
    private int _requests;

    public void Configure(IWebHostBuilder service)
    {
    }

    public void Prepare(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var sampled = Interlocked.Increment(ref _requests) % 3 != 0;
        _traces[traceId] = sampled;
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-{(sampled ? "01" : "00")}");
    }

    public Task<IReadOnlySet<string>> SampledTraceIdsAsync() => Task.FromResult<IReadOnlySet<string>>(Select(sampled: true));

    public Task<IReadOnlySet<string>> UnsampledTraceIdsAsync() => Task.FromResult<IReadOnlySet<string>>(Select(sampled: false));

    private HashSet<string> Select(bool sampled) =>
        _traces.Where(t => t.Value == sampled).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
}
