using System.Collections.Concurrent;
using System.Diagnostics;
using Pulse.Testing;

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

    /// <summary>The service's own spans of sampled requests, as trace id and span id, when the source sees them; null otherwise.</summary>
    Task<IReadOnlySet<(string TraceId, string SpanId)>?> ServiceSpansAsync();
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

    public Task<IReadOnlySet<(string TraceId, string SpanId)>?> ServiceSpansAsync() => Task.FromResult<IReadOnlySet<(string, string)>?>(null);

    private HashSet<string> Select(bool sampled) =>
        _traces.Where(t => t.Value == sampled).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The service's own traces: it exports its spans over OTLP to a receiver in the test (<see cref="OtlpTraceReceiver"/>),
/// and every request carries a <c>traceparent</c> of a new trace, two in three sampled, whose decision the service's
/// parent-based sampler follows. The sampled traces are those of the server spans the receiver got, so an
/// exemplar's trace and span id can be checked against a span the service exported.
/// </summary>
public sealed class OtlpTraceSource : ITraceSource, IAsyncDisposable
{
    private readonly TraceparentSource _requests = new();
    private readonly OtlpTraceReceiver _receiver;

    private OtlpTraceSource(OtlpTraceReceiver receiver) => _receiver = receiver;

    public static async Task<OtlpTraceSource> StartAsync() => new(await OtlpTraceReceiver.StartAsync());

    public void Configure(IWebHostBuilder service)
    {
        ArgumentNullException.ThrowIfNull(service);
        service.UseSetting("Telemetry:Otlp:Endpoint", _receiver.Endpoint.ToString());

        // Spans leave in batches every 100 ms instead of every 5 s.
        service.UseSetting("OTEL_BSP_SCHEDULE_DELAY", "100");
    }

    public void Prepare(HttpRequestMessage request) => _requests.Prepare(request);

    public Task<IReadOnlySet<string>> SampledTraceIdsAsync() =>
        Task.FromResult<IReadOnlySet<string>>(ServerSpans().Select(s => s.TraceId).ToHashSet(StringComparer.Ordinal));

    public Task<IReadOnlySet<string>> UnsampledTraceIdsAsync() => _requests.UnsampledTraceIdsAsync();

    public Task<IReadOnlySet<(string TraceId, string SpanId)>?> ServiceSpansAsync() =>
        Task.FromResult<IReadOnlySet<(string, string)>?>(ServerSpans().Select(s => (s.TraceId, s.SpanId)).ToHashSet());

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private IEnumerable<ReceivedSpan> ServerSpans() => _receiver.Spans.Where(s => s.Kind == ActivityKind.Server);
}
