using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pulse.Telemetry.Collection;

/// <summary>
/// The one aggregation of a host's HTTP request measurements, which every export reads: series by method, route
/// and status code (<see cref="RequestSeries"/>), cumulative. The Prometheus exposition reads them as they are;
/// an EMF exporter registers an <see cref="IntervalReader"/>, which takes the difference since its previous
/// collection, so each export gets its own temporality from the same counts instead of aggregating every
/// measurement once more. A measurement costs one lookup (usually answered by the last series this thread used)
/// and one update under the series' own short lock; it allocates only when a series is new or its durations
/// spread wider than ever before.
/// </summary>
internal sealed class RequestAggregation
{
    /// <summary>Interval readers one host can have (one per aggregated EMF exporter).</summary>
    public const int MaxIntervalReaders = 4;

    /// <summary>
    /// Series kept at most. Methods, routes and status codes are bounded by the application, so real traffic
    /// stays far below; beyond it (a handler answering with arbitrary status codes) new series are not created.
    /// </summary>
    public const int MaxSeries = 10_000;

    [ThreadStatic]
    private static LastSeries? t_last;

    private readonly ConcurrentDictionary<SeriesKey, RequestSeries> _series = new();
    private readonly double[] _durationBounds;
    private readonly double[] _sizeBounds;
    private readonly Lock _readersLock = new();
    private readonly bool _exemplars;
    private readonly TimeProvider _clock;
    private volatile int _intervalReaders;
    private long _created;

    /// <param name="durationBounds">Upper bounds of the duration buckets in seconds, ascending (+Inf implied).</param>
    /// <param name="sizeBounds">Upper bounds of the body-size buckets in bytes, ascending (+Inf implied).</param>
    /// <param name="exemplars">
    /// Keep, per duration bucket, the latest duration measured while a recorded (sampled) activity was current,
    /// with its trace and span id: the trace-based exemplar filter.
    /// </param>
    /// <param name="cumulativeExponential">
    /// Keep the exponential histogram whatever reads it (a native histogram), not only while interval readers do.
    /// </param>
    /// <param name="clock">The clock of the exemplars' timestamps; the system's when null.</param>
    public RequestAggregation(
        IEnumerable<double> durationBounds, IEnumerable<double> sizeBounds, bool exemplars = false, bool cumulativeExponential = false, TimeProvider? clock = null)
    {
        _durationBounds = [.. durationBounds];
        _sizeBounds = [.. sizeBounds];
        _exemplars = exemplars;
        KeepsExponential = cumulativeExponential;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Whether every series keeps its exponential histogram from its first measurement (see the constructor).</summary>
    public bool KeepsExponential { get; }

    /// <summary>Whether duration buckets keep exemplars.</summary>
    public bool KeepsExemplars => _exemplars;

    /// <summary>Upper bounds of the duration buckets, without +Inf.</summary>
    public ReadOnlySpan<double> DurationBounds => _durationBounds;

    /// <summary>Upper bounds of the size buckets, without +Inf.</summary>
    public ReadOnlySpan<double> SizeBounds => _sizeBounds;

    /// <summary>
    /// Interval readers registered so far: while there are none, and <see cref="KeepsExponential"/> is off, no
    /// exponential histogram is kept.
    /// </summary>
    public int IntervalReaderCount => _intervalReaders;

    /// <summary>Records a request's duration as the hosting layer measured it.</summary>
    /// <param name="method">The bounded method (<see cref="PulseMetrics.NormalizeMethod"/>).</param>
    /// <param name="route">The route template, null when none matched.</param>
    /// <param name="statusCode">The response status code.</param>
    /// <param name="seconds">The duration.</param>
    public void RecordDuration(string method, string? route, int statusCode, double seconds)
    {
        if (double.IsNaN(seconds) || Find(method, route, statusCode) is not { } series)
        {
            return;
        }

        // The trace-based exemplar filter (OpenTelemetry metrics SDK, "TraceBased"): only a measurement taken
        // while a sampled span is current carries its trace, so every exemplar leads to a trace that was kept.
        // The hosting layer measures the duration before it stops the request's activity, which is still current.
        if (_exemplars && Activity.Current is { Recorded: true } activity)
        {
            var exemplar = new TraceExemplar(activity.TraceId, activity.SpanId, seconds, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            series.RecordDuration(seconds, BucketOf(_durationBounds, seconds), this, exemplar);
            return;
        }

        series.RecordDuration(seconds, BucketOf(_durationBounds, seconds), this, default);
    }

    /// <summary>Records a request's body sizes.</summary>
    public void RecordSizes(string method, string? route, int statusCode, long requestBytes, long responseBytes)
    {
        if (Find(method, route, statusCode) is not { } series)
        {
            return;
        }

        series.RecordSizes(requestBytes, BucketOf(_sizeBounds, requestBytes), responseBytes, BucketOf(_sizeBounds, responseBytes));
    }

    /// <summary>Every series' cumulative state, in the order the series appeared.</summary>
    public List<SeriesSnapshot> Snapshot()
    {
        var snapshots = new List<SeriesSnapshot>(_series.Count);
        foreach (var series in _series.Values)
        {
            snapshots.Add(series.Snapshot(KeepsExponential));
        }

        // A ConcurrentDictionary enumerates in no particular order; the exposition is stable in creation order.
        snapshots.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        return snapshots;
    }

    /// <summary>Registers a reader of intervals, which sees what is recorded from now on.</summary>
    /// <exception cref="InvalidOperationException">The host has <see cref="MaxIntervalReaders"/> already.</exception>
    public IntervalReader AddIntervalReader()
    {
        lock (_readersLock)
        {
            var slot = _intervalReaders;
            if (slot == MaxIntervalReaders)
            {
                throw new InvalidOperationException($"A host can have at most {MaxIntervalReaders} aggregated EMF exporters.");
            }

            var reader = new IntervalReader(this, slot);
            _intervalReaders = slot + 1;
            foreach (var series in _series.Values)
            {
                reader.Start(series);
            }

            return reader;
        }
    }

    internal IEnumerable<RequestSeries> Series => _series.Values;

    /// <summary>The classic bucket of a value: the first bound at or above it (upper bounds inclusive), else +Inf.</summary>
    private static int BucketOf(double[] bounds, double value)
    {
        var i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }

        return i;
    }

    private RequestSeries? Find(string method, string? route, int statusCode)
    {
        // Consecutive requests on a thread are mostly of one kind: the strings are the hosting layer's and the
        // route metadata's own instances, so comparing references is enough to recognise the last series.
        var last = t_last;
        if (last is not null && ReferenceEquals(last.Owner, this) && last.StatusCode == statusCode
            && ReferenceEquals(last.Route, route) && ReferenceEquals(last.Method, method))
        {
            return last.Series;
        }

        var key = new SeriesKey(method, route, statusCode);
        if (!_series.TryGetValue(key, out var series))
        {
            if (_series.Count >= MaxSeries)
            {
                return null;
            }

            series = _series.GetOrAdd(key, static (k, owner) => owner.Create(k), this);
        }

        last ??= t_last = new LastSeries();
        last.Owner = this;
        last.Method = method;
        last.Route = route;
        last.StatusCode = statusCode;
        last.Series = series;
        return series;
    }

    // Interval readers registered before the series existed start it at zero, which it is.
    private RequestSeries Create(SeriesKey key) =>
        new(key.Method, key.Route, key.StatusCode, _durationBounds.Length + 1, _sizeBounds.Length + 1, Interlocked.Increment(ref _created));

    private readonly record struct SeriesKey(string Method, string? Route, int StatusCode);

    private sealed class LastSeries
    {
        public RequestAggregation? Owner;
        public string? Method;
        public string? Route;
        public int StatusCode;
        public RequestSeries? Series;
    }
}

/// <summary>
/// One consumer of intervals (an aggregated EMF exporter): each <see cref="Collect"/> returns what was recorded
/// since the previous one, per series, with the interval's exact minimum and maximum. Not thread-safe: one
/// collection at a time.
/// </summary>
internal sealed class IntervalReader
{
    private readonly RequestAggregation _aggregation;
    private readonly int _slot;
    private readonly Dictionary<RequestSeries, IntervalBaseline> _baselines = [];

    internal IntervalReader(RequestAggregation aggregation, int slot)
    {
        _aggregation = aggregation;
        _slot = slot;
    }

    /// <summary>The durations recorded since the previous collection (or the registration), one entry per series that had any.</summary>
    public List<IntervalHistogram> Collect()
    {
        var result = new List<IntervalHistogram>();
        foreach (var series in _aggregation.Series)
        {
            if (!_baselines.TryGetValue(series, out var baseline))
            {
                baseline = new IntervalBaseline();
                _baselines.Add(series, baseline);
            }

            if (series.TakeInterval(_slot, baseline) is { } interval)
            {
                result.Add(interval);
            }
        }

        return result;
    }

    internal void Start(RequestSeries series) => _baselines[series] = series.Baseline(_slot);
}
