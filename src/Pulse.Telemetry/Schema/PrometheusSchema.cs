using System.Globalization;
using System.Runtime.InteropServices;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Formats.Prometheus;

namespace Pulse.Telemetry.Schema;

/// <summary>
/// Pulse's Prometheus schema applied to one collection of OpenTelemetry metrics: which family each stream
/// becomes (OpenTelemetry's Prometheus compatibility rules for any stream, see <see cref="PrometheusNaming"/>),
/// Pulse's label names and bounded values for the HTTP families, and the two HTTP families derived from the
/// one aggregation of the request duration. What is written is the <see cref="Exposition"/>'s business.
/// Not thread-safe: one collection at a time.
/// </summary>
internal sealed class PrometheusSchema
{
    private static readonly PrometheusFamily RequestDurationFamily = PrometheusFamily.Histogram(
        PulseMetrics.Http.RequestDuration, "Duration of HTTP requests in seconds.", "seconds");

    /// <summary>
    /// The zero threshold of the request duration's native histogram: the upper bound of the lowest exponential
    /// bucket, which also holds every duration below it (about 0.97 µs; see <see cref="ExponentialIndex.MinIndex"/>),
    /// so that the zero bucket, <c>[-threshold, threshold]</c>, holds exactly what that bucket and the zero
    /// durations hold.
    /// </summary>
    public static readonly double NativeZeroThreshold = ExponentialIndex.LowerBound(ExponentialIndex.MinIndex + 1);

    private static readonly PrometheusFamily RequestSizeFamily = PrometheusFamily.Histogram(
        PulseMetrics.Http.RequestSize, "Size of HTTP request bodies.", "bytes");

    private static readonly PrometheusFamily ResponseSizeFamily = PrometheusFamily.Histogram(
        PulseMetrics.Http.ResponseSize, "Size of HTTP response bodies.", "bytes");

    private readonly Dictionary<Metric, PrometheusFamily> _families = [];
    private readonly List<KeyValuePair<string, string>> _labels = [];
    private readonly List<double> _bounds = [];
    private readonly List<long> _counts = [];
    private readonly OrderedDictionary<string, SampleGroup> _durations = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, SampleGroup> _requests = new(StringComparer.Ordinal);

    /// <summary>
    /// Writes the HTTP families from the request aggregation: <c>http_request_duration_seconds</c> (status codes
    /// merged), <c>http_requests_total</c> (each series' count), <c>http_request_size_bytes</c> and
    /// <c>http_response_size_bytes</c>. Before the SDK's batch, so that these names are claimed first: when the SDK
    /// aggregates the same measurements for another reader (OTLP), its streams of the same names are left out.
    /// </summary>
    /// <param name="exposition">Where to write.</param>
    /// <param name="requests">The aggregation.</param>
    /// <param name="exemplars">Give each duration bucket its latest exemplar, when the aggregation keeps them.</param>
    /// <param name="native">Give the duration its native buckets, when the aggregation keeps the exponential histogram.</param>
    public static void WriteRequests(Exposition exposition, RequestAggregation requests, bool exemplars = false, bool native = false)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentNullException.ThrowIfNull(requests);
        var series = requests.Snapshot();
        double[] durationBounds = [.. requests.DurationBounds, double.PositiveInfinity];
        double[] sizeBounds = [.. requests.SizeBounds, double.PositiveInfinity];

        var durations = Group(series, static s => s.Count > 0, durationBounds.Length, static (group, s) =>
        {
            Add(group.Counts, s.DurationCounts);
            group.Sum += s.DurationSum;
            group.Count += s.Count;
            group.AddExemplars(s.Exemplars);
            group.AddExponential(s);
        });
        if (durations.Count > 0 && exposition.Claim(RequestDurationFamily.Name) && exposition.Claim(PrometheusFamily.HttpRequestsTotal.Name))
        {
            exposition.Family(RequestDurationFamily.Name, RequestDurationFamily.Type, RequestDurationFamily.Help, RequestDurationFamily.Unit);
            foreach (var group in durations)
            {
                UseLabels(exposition, group.Labels);
                exposition.Histogram(
                    RequestDurationFamily.Name,
                    durationBounds,
                    CollectionsMarshal.AsSpan(group.Counts),
                    group.Sum,
                    group.Count,
                    exemplars ? group.ToBucketExemplars() : default,
                    native && requests.KeepsExponential ? group.ToNativeBuckets() : null);
            }

            var total = PrometheusFamily.HttpRequestsTotal;
            exposition.Family(total.Name, total.Type, total.Help, total.Unit);
            foreach (var s in series)
            {
                if (s.Count > 0)
                {
                    exposition.ResetLabels();
                    exposition.Label(PulseMetrics.Labels.Method, s.Method);
                    exposition.Label(PulseMetrics.Labels.Endpoint, s.Route ?? PulseMetrics.UnmatchedEndpoint);
                    exposition.Label(PulseMetrics.Labels.StatusCode, s.StatusCode.ToString(CultureInfo.InvariantCulture));
                    exposition.Counter(total.Name, s.Count);
                }
            }
        }

        foreach (var (family, counts, sum) in new (PrometheusFamily, Func<SeriesSnapshot, long[]>, Func<SeriesSnapshot, long>)[]
        {
            (RequestSizeFamily, static s => s.RequestSizeCounts, static s => s.RequestSizeSum),
            (ResponseSizeFamily, static s => s.ResponseSizeCounts, static s => s.ResponseSizeSum),
        })
        {
            var sizes = Group(series, static s => s.SizeCount > 0, sizeBounds.Length, (group, s) =>
            {
                Add(group.Counts, counts(s));
                group.Sum += sum(s);
                group.Count += s.SizeCount;
            });
            if (sizes.Count > 0 && exposition.Claim(family.Name))
            {
                WriteHistograms(exposition, family, sizeBounds, sizes);
            }
        }
    }

    public void Write(Exposition exposition, in Batch<Metric> batch)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        foreach (var metric in batch)
        {
            if (!_families.TryGetValue(metric, out var family))
            {
                family = PrometheusFamily.Describe(metric);
                _families.Add(metric, family);
            }

            if (family.Kind == FamilyKind.HttpRequests)
            {
                if (exposition.Claim(family.Name) && exposition.Claim(PrometheusFamily.HttpRequestsTotal.Name))
                {
                    WriteHttpRequests(exposition, metric, family);
                }
            }
            else if (family.Kind != FamilyKind.Skip && exposition.Claim(family.Name))
            {
                WriteFamily(exposition, metric, family);
            }
        }
    }

    private void WriteFamily(Exposition exposition, Metric metric, PrometheusFamily family)
    {
        var headerWritten = false;
        var isLong = metric.MetricType.IsLong();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (!headerWritten)
            {
                exposition.Family(family.Name, family.Type, family.Help, family.Unit);
                headerWritten = true;
            }

            PrepareLabels(point, family);
            UseLabels(exposition, _labels);
            switch (family.Kind)
            {
                case FamilyKind.Counter when isLong:
                    exposition.Counter(family.Name, point.GetSumLong());
                    break;
                case FamilyKind.Counter:
                    exposition.Counter(family.Name, point.GetSumDouble());
                    break;
                case FamilyKind.Gauge when metric.MetricType.IsGauge():
                    if (isLong)
                    {
                        exposition.Gauge(family.Name, point.GetGaugeLastValueLong());
                    }
                    else
                    {
                        exposition.Gauge(family.Name, point.GetGaugeLastValueDouble());
                    }

                    break;
                case FamilyKind.Gauge when isLong:
                    exposition.Gauge(family.Name, point.GetSumLong());
                    break;
                case FamilyKind.Gauge:
                    exposition.Gauge(family.Name, point.GetSumDouble());
                    break;
                case FamilyKind.Histogram:
                    _bounds.Clear();
                    _counts.Clear();
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        _bounds.Add(bucket.ExplicitBound);
                        _counts.Add(bucket.BucketCount);
                    }

                    exposition.Histogram(
                        family.Name, CollectionsMarshal.AsSpan(_bounds), CollectionsMarshal.AsSpan(_counts), point.GetHistogramSum(), point.GetHistogramCount());
                    break;
            }
        }
    }

    /// <summary>
    /// Writes the one aggregation of ASP.NET Core's request measurement as two families: the duration
    /// histogram by method and endpoint (points that differ only in status code merged) and the request
    /// counter by method, endpoint and status code (each point's count).
    /// </summary>
    private void WriteHttpRequests(Exposition exposition, Metric metric, PrometheusFamily family)
    {
        _durations.Clear();
        _requests.Clear();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            PrepareLabels(point, family, without: PulseMetrics.Labels.StatusCode);
            var duration = GetGroup(_durations);
            duration.Sum += point.GetHistogramSum();
            duration.Count += point.GetHistogramCount();
            var i = 0;
            foreach (var bucket in point.GetHistogramBuckets())
            {
                if (duration.Bounds.Count <= i)
                {
                    duration.Bounds.Add(bucket.ExplicitBound);
                    duration.Counts.Add(0);
                }

                duration.Counts[i++] += bucket.BucketCount;
            }

            PrepareLabels(point, family);
            GetGroup(_requests).Count += point.GetHistogramCount();
        }

        if (_durations.Count == 0)
        {
            return;
        }

        exposition.Family(family.Name, family.Type, family.Help, family.Unit);
        foreach (var group in _durations.Values)
        {
            UseLabels(exposition, group.Labels);
            exposition.Histogram(
                family.Name, CollectionsMarshal.AsSpan(group.Bounds), CollectionsMarshal.AsSpan(group.Counts), group.Sum, group.Count);
        }

        var requests = PrometheusFamily.HttpRequestsTotal;
        exposition.Family(requests.Name, requests.Type, requests.Help, requests.Unit);
        foreach (var group in _requests.Values)
        {
            UseLabels(exposition, group.Labels);
            exposition.Counter(requests.Name, group.Count);
        }
    }

    /// <summary>The series that <paramref name="include"/> selects, summed by method and endpoint in order of appearance.</summary>
    private static List<SampleGroup> Group(
        List<SeriesSnapshot> series, Func<SeriesSnapshot, bool> include, int buckets, Action<SampleGroup, SeriesSnapshot> add)
    {
        var groups = new Dictionary<(string Method, string? Route), SampleGroup>();
        var ordered = new List<SampleGroup>();
        foreach (var s in series)
        {
            if (!include(s))
            {
                continue;
            }

            if (!groups.TryGetValue((s.Method, s.Route), out var group))
            {
                group = new SampleGroup([new(PulseMetrics.Labels.Method, s.Method), new(PulseMetrics.Labels.Endpoint, s.Route ?? PulseMetrics.UnmatchedEndpoint)]);
                group.Counts.AddRange(new long[buckets]);
                groups.Add((s.Method, s.Route), group);
                ordered.Add(group);
            }

            add(group, s);
        }

        return ordered;
    }

    private static void Add(List<long> into, long[] counts)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            into[i] += counts[i];
        }
    }

    private static void WriteHistograms(Exposition exposition, PrometheusFamily family, double[] bounds, List<SampleGroup> groups)
    {
        exposition.Family(family.Name, family.Type, family.Help, family.Unit);
        foreach (var group in groups)
        {
            UseLabels(exposition, group.Labels);
            exposition.Histogram(family.Name, bounds, CollectionsMarshal.AsSpan(group.Counts), group.Sum, group.Count);
        }
    }

    /// <summary>The group of the labels just prepared (insertion order is kept: the exposition is stable).</summary>
    private SampleGroup GetGroup(OrderedDictionary<string, SampleGroup> groups)
    {
        // Length-prefixed, so that no two label sets share a key whatever their values contain.
        var key = string.Concat(_labels.Select(static l => string.Create(CultureInfo.InvariantCulture, $"{l.Key.Length}:{l.Key}{l.Value.Length}:{l.Value}")));
        if (!groups.TryGetValue(key, out var group))
        {
            group = new SampleGroup([.. _labels]);
            groups.Add(key, group);
        }

        return group;
    }

    private static void UseLabels(Exposition exposition, List<KeyValuePair<string, string>> labels)
    {
        exposition.ResetLabels();
        foreach (var (name, value) in labels)
        {
            exposition.Label(name, value);
        }
    }

    /// <summary>The point's labels in <see cref="_labels"/>, named and bounded as the family requires.</summary>
    private void PrepareLabels(in MetricPoint point, PrometheusFamily family, string? without = null)
    {
        _labels.Clear();
        foreach (var tag in point.Tags)
        {
            var name = PrometheusFamily.LabelName(tag.Key);
            if (name != without)
            {
                _labels.Add(new(name, FormatValue(tag.Value)));
            }
        }

        if (family.IsHttp)
        {
            NormalizeHttpLabels();
        }
    }

    private void NormalizeHttpLabels()
    {
        var hasEndpoint = false;
        for (var i = 0; i < _labels.Count; i++)
        {
            var (name, value) = (_labels[i].Key, _labels[i].Value);
            if (name == PulseMetrics.Labels.Method)
            {
                _labels[i] = new(name, PulseMetrics.NormalizeMethod(value));
            }

            hasEndpoint |= name == PulseMetrics.Labels.Endpoint;
        }

        if (!hasEndpoint)
        {
            _labels.Add(new(PulseMetrics.Labels.Endpoint, PulseMetrics.UnmatchedEndpoint));
        }

        _labels.Sort(static (a, b) => HttpLabelOrder(a.Key).CompareTo(HttpLabelOrder(b.Key)));
    }

    private static int HttpLabelOrder(string label) => label switch
    {
        PulseMetrics.Labels.Method => 0,
        PulseMetrics.Labels.Endpoint => 1,
        PulseMetrics.Labels.StatusCode => 2,
        _ => 3,
    };

    private static string FormatValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Points of one stream that share a label set once a label is dropped, summed.</summary>
    private sealed class SampleGroup(List<KeyValuePair<string, string>> labels)
    {
        private TraceExemplar[]? _exemplars;
        private long[] _exponential = [];
        private int _exponentialOffset;
        private long _zeroCount;

        public List<KeyValuePair<string, string>> Labels { get; } = labels;

        public List<double> Bounds { get; } = [];

        public List<long> Counts { get; } = [];

        public double Sum { get; set; }

        public long Count { get; set; }

        /// <summary>Keeps, per bucket, the latest exemplar of the series summed (one per bucket, as in each series).</summary>
        public void AddExemplars(TraceExemplar[]? exemplars)
        {
            if (exemplars is null)
            {
                return;
            }

            _exemplars ??= new TraceExemplar[exemplars.Length];
            for (var i = 0; i < exemplars.Length; i++)
            {
                if (!exemplars[i].IsEmpty && (_exemplars[i].IsEmpty || exemplars[i].UnixMilliseconds > _exemplars[i].UnixMilliseconds))
                {
                    _exemplars[i] = exemplars[i];
                }
            }
        }

        /// <summary>Adds a series' exponential histogram, widening the window to hold both.</summary>
        public void AddExponential(SeriesSnapshot series)
        {
            _zeroCount += series.ZeroCount;
            if (series.Exponential.Length == 0)
            {
                return;
            }

            if (_exponential.Length == 0)
            {
                _exponential = (long[])series.Exponential.Clone();
                _exponentialOffset = series.ExponentialOffset;
                return;
            }

            var low = Math.Min(_exponentialOffset, series.ExponentialOffset);
            var high = Math.Max(_exponentialOffset + _exponential.Length, series.ExponentialOffset + series.Exponential.Length);
            if (low != _exponentialOffset || high - low != _exponential.Length)
            {
                var grown = new long[high - low];
                _exponential.CopyTo(grown, _exponentialOffset - low);
                _exponential = grown;
                _exponentialOffset = low;
            }

            for (var i = 0; i < series.Exponential.Length; i++)
            {
                _exponential[series.ExponentialOffset - _exponentialOffset + i] += series.Exponential[i];
            }
        }

        public BucketExemplar[] ToBucketExemplars()
        {
            if (_exemplars is null)
            {
                return [];
            }

            var result = new BucketExemplar[_exemplars.Length];
            for (var i = 0; i < result.Length; i++)
            {
                if (_exemplars[i] is { IsEmpty: false } e)
                {
                    result[i] = new BucketExemplar(e.TraceId.ToHexString(), e.SpanId.ToHexString(), e.Value, e.UnixMilliseconds);
                }
            }

            return result;
        }

        /// <summary>
        /// The exponential histogram as native buckets. OpenTelemetry's bucket <c>i</c> at scale <c>n</c> holds
        /// <c>(2^(i/2^n), 2^((i+1)/2^n)]</c> and Prometheus's bucket <c>i</c> of schema <c>n</c> holds
        /// <c>(2^((i-1)/2^n), 2^(i/2^n)]</c>: the scale is the schema and the same bucket is one index higher in
        /// Prometheus. The lowest bucket, which also holds every duration below it, becomes the zero bucket
        /// (<see cref="NativeZeroThreshold"/>).
        /// </summary>
        public NativeBuckets ToNativeBuckets()
        {
            var zero = _zeroCount;
            var skip = 0;
            if (_exponential.Length > 0 && _exponentialOffset == ExponentialIndex.MinIndex)
            {
                zero += _exponential[0];
                skip = 1;
            }

            return new NativeBuckets(ExponentialIndex.Scale, NativeZeroThreshold, zero, _exponentialOffset + skip + 1, _exponential[skip..]);
        }
    }
}
