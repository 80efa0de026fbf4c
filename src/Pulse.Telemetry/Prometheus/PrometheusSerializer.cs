using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Prometheus;

/// <summary>
/// Writes OpenTelemetry metrics in the Prometheus text format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format) or OpenMetrics 1.0.0
/// (https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md): HELP and TYPE
/// lines, cumulative <c>le</c> buckets ending in <c>+Inf</c>, <c>_sum</c> and <c>_count</c>, escaped label
/// values, no timestamps. Not thread-safe: one scrape at a time (see <see cref="PrometheusScraper"/>).
/// </summary>
internal sealed class PrometheusSerializer
{
    private readonly Dictionary<Metric, MetricFamily> _families = [];
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _labels = [];
    private readonly ExpositionWriter _labelBlock = new();
    private readonly List<double> _bounds = [];
    private readonly List<long> _counts = [];
    private readonly OrderedDictionary<string, SampleGroup> _durations = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, SampleGroup> _requests = new(StringComparer.Ordinal);

    public void Write(ExpositionWriter writer, in Batch<Metric> batch, bool openMetrics)
    {
        _written.Clear();
        foreach (var metric in batch)
        {
            if (!_families.TryGetValue(metric, out var family))
            {
                family = MetricFamily.Describe(metric);
                _families.Add(metric, family);
            }

            // Two streams that map to one name would make an invalid exposition; the first one wins.
            if (family.Kind == FamilyKind.HttpRequests)
            {
                if (_written.Add(family.BaseName) && _written.Add(MetricFamily.HttpRequestsTotal.BaseName))
                {
                    WriteHttpRequests(writer, metric, family, openMetrics);
                }
            }
            else if (family.Kind != FamilyKind.Skip && _written.Add(family.BaseName))
            {
                WriteFamily(writer, metric, family, openMetrics);
            }
        }

        if (openMetrics)
        {
            writer.Raw("# EOF\n"u8);
        }
    }

    private void WriteFamily(ExpositionWriter writer, Metric metric, MetricFamily family, bool openMetrics)
    {
        var headerWritten = false;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (!headerWritten)
            {
                WriteHeader(writer, family, openMetrics);
                headerWritten = true;
            }

            PrepareLabels(point, family);
            switch (family.Kind)
            {
                case FamilyKind.Counter:
                    WriteSampleStart(writer, family.BaseName, "_total"u8);
                    WriteValue(writer, metric, point, gauge: false);
                    break;
                case FamilyKind.Gauge:
                    WriteSampleStart(writer, family.BaseName, default);
                    WriteValue(writer, metric, point, gauge: true);
                    break;
                case FamilyKind.Histogram:
                    WriteHistogram(writer, family.BaseName, point, openMetrics);
                    break;
            }
        }
    }

    private static void WriteHeader(ExpositionWriter writer, MetricFamily family, bool openMetrics)
    {
        // The 0.0.4 format names a counter family with its _total; OpenMetrics names it without.
        var suffix = family.Kind == FamilyKind.Counter && !openMetrics
            ? "_total"u8
            : default;
        var type = family.Kind switch
        {
            FamilyKind.Counter => "counter"u8,
            FamilyKind.Histogram or FamilyKind.HttpRequests => "histogram"u8,
            _ => "gauge"u8,
        };

        if (family.Help.Length > 0)
        {
            writer.Raw("# HELP "u8);
            writer.Text(family.BaseName);
            writer.Raw(suffix);
            writer.Byte((byte)' ');
            writer.Escaped(family.Help, escapeQuote: openMetrics);
            writer.Byte((byte)'\n');
        }

        writer.Raw("# TYPE "u8);
        writer.Text(family.BaseName);
        writer.Raw(suffix);
        writer.Byte((byte)' ');
        writer.Raw(type);
        writer.Byte((byte)'\n');

        if (openMetrics && family.Unit.Length > 0)
        {
            writer.Raw("# UNIT "u8);
            writer.Text(family.BaseName);
            writer.Byte((byte)' ');
            writer.Text(family.Unit);
            writer.Byte((byte)'\n');
        }
    }

    private void WriteHistogram(ExpositionWriter writer, string name, in MetricPoint point, bool openMetrics)
    {
        _bounds.Clear();
        _counts.Clear();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            _bounds.Add(bucket.ExplicitBound);
            _counts.Add(bucket.BucketCount);
        }

        WriteHistogramLines(writer, name, _bounds, _counts, point.GetHistogramSum(), point.GetHistogramCount(), openMetrics);
    }

    /// <summary>Writes cumulative <c>le</c> buckets (the last bound is +Inf), then <c>_sum</c> and <c>_count</c>.</summary>
    private void WriteHistogramLines(
        ExpositionWriter writer, string name, List<double> bounds, List<long> counts, double sum, long count, bool openMetrics)
    {
        long cumulative = 0;
        for (var i = 0; i < bounds.Count; i++)
        {
            cumulative += counts[i];
            writer.Text(name);
            writer.Raw("_bucket{"u8);
            if (_labelBlock.WrittenSpan.Length > 0)
            {
                writer.Raw(_labelBlock.WrittenSpan);
                writer.Byte((byte)',');
            }

            writer.Raw("le=\""u8);
            writer.Bound(bounds[i], openMetrics);
            writer.Raw("\"} "u8);
            writer.Long(cumulative);
            writer.Byte((byte)'\n');
        }

        WriteSampleStart(writer, name, "_sum"u8);
        writer.Double(sum);
        writer.Byte((byte)'\n');
        WriteSampleStart(writer, name, "_count"u8);
        writer.Long(count);
        writer.Byte((byte)'\n');
    }

    /// <summary>
    /// Writes the one aggregation of ASP.NET Core's request measurement as two families: the duration
    /// histogram by method and endpoint (points that differ only in status code merged) and the request
    /// counter by method, endpoint and status code (each point's count).
    /// </summary>
    private void WriteHttpRequests(ExpositionWriter writer, Metric metric, MetricFamily family, bool openMetrics)
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

        WriteHeader(writer, family, openMetrics);
        foreach (var group in _durations.Values)
        {
            UseLabels(group);
            WriteHistogramLines(writer, family.BaseName, group.Bounds, group.Counts, group.Sum, group.Count, openMetrics);
        }

        var requests = MetricFamily.HttpRequestsTotal;
        WriteHeader(writer, requests, openMetrics);
        foreach (var group in _requests.Values)
        {
            UseLabels(group);
            WriteSampleStart(writer, requests.BaseName, "_total"u8);
            writer.Long(group.Count);
            writer.Byte((byte)'\n');
        }
    }

    /// <summary>The group of the labels just prepared (insertion order is kept: the exposition is stable).</summary>
    private SampleGroup GetGroup(OrderedDictionary<string, SampleGroup> groups)
    {
        var key = System.Text.Encoding.UTF8.GetString(_labelBlock.WrittenSpan);
        if (!groups.TryGetValue(key, out var group))
        {
            group = new SampleGroup(_labelBlock.WrittenSpan.ToArray());
            groups.Add(key, group);
        }

        return group;
    }

    private void UseLabels(SampleGroup group)
    {
        _labelBlock.Reset();
        _labelBlock.Raw(group.Labels);
    }

    private void WriteSampleStart(ExpositionWriter writer, string name, ReadOnlySpan<byte> suffix)
    {
        writer.Text(name);
        writer.Raw(suffix);
        if (_labelBlock.WrittenSpan.Length > 0)
        {
            writer.Byte((byte)'{');
            writer.Raw(_labelBlock.WrittenSpan);
            writer.Byte((byte)'}');
        }

        writer.Byte((byte)' ');
    }

    private static void WriteValue(ExpositionWriter writer, Metric metric, in MetricPoint point, bool gauge)
    {
        var isLong = metric.MetricType.IsLong();
        if (gauge && metric.MetricType.IsGauge())
        {
            if (isLong)
            {
                writer.Long(point.GetGaugeLastValueLong());
            }
            else
            {
                writer.Double(point.GetGaugeLastValueDouble());
            }
        }
        else if (isLong)
        {
            writer.Long(point.GetSumLong());
        }
        else
        {
            writer.Double(point.GetSumDouble());
        }

        writer.Byte((byte)'\n');
    }

    /// <summary>Renders the point's labels once into <see cref="_labelBlock"/>; every sample of the point reuses it.</summary>
    private void PrepareLabels(in MetricPoint point, MetricFamily family, string? without = null)
    {
        _labels.Clear();
        foreach (var tag in point.Tags)
        {
            var name = MetricFamily.LabelName(tag.Key);
            if (name != without)
            {
                _labels.Add(new(name, FormatValue(tag.Value)));
            }
        }

        if (family.IsHttp)
        {
            NormalizeHttpLabels();
        }

        _labelBlock.Reset();
        for (var i = 0; i < _labels.Count; i++)
        {
            if (i > 0)
            {
                _labelBlock.Byte((byte)',');
            }

            _labelBlock.Text(_labels[i].Key);
            _labelBlock.Raw("=\""u8);
            _labelBlock.Escaped(_labels[i].Value, escapeQuote: true);
            _labelBlock.Byte((byte)'"');
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
}

/// <summary>Points of one stream that share a label set once a label is dropped, summed.</summary>
internal sealed class SampleGroup(byte[] labels)
{
    public byte[] Labels { get; } = labels;

    public List<double> Bounds { get; } = [];

    public List<long> Counts { get; } = [];

    public double Sum { get; set; }

    public long Count { get; set; }
}
