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
            if (family.Kind != FamilyKind.Skip && _written.Add(family.BaseName))
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
                case FamilyKind.CounterFromHistogram:
                    WriteSampleStart(writer, family.BaseName, "_total"u8);
                    writer.Long(point.GetHistogramCount());
                    writer.Byte((byte)'\n');
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
        var suffix = family.Kind is FamilyKind.Counter or FamilyKind.CounterFromHistogram && !openMetrics
            ? "_total"u8
            : default;
        var type = family.Kind switch
        {
            FamilyKind.Counter or FamilyKind.CounterFromHistogram => "counter"u8,
            FamilyKind.Histogram => "histogram"u8,
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
        long cumulative = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            writer.Text(name);
            writer.Raw("_bucket{"u8);
            if (_labelBlock.WrittenSpan.Length > 0)
            {
                writer.Raw(_labelBlock.WrittenSpan);
                writer.Byte((byte)',');
            }

            writer.Raw("le=\""u8);
            writer.Bound(bucket.ExplicitBound, openMetrics);
            writer.Raw("\"} "u8);
            writer.Long(cumulative);
            writer.Byte((byte)'\n');
        }

        WriteSampleStart(writer, name, "_sum"u8);
        writer.Double(point.GetHistogramSum());
        writer.Byte((byte)'\n');
        WriteSampleStart(writer, name, "_count"u8);
        writer.Long(point.GetHistogramCount());
        writer.Byte((byte)'\n');
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
    private void PrepareLabels(in MetricPoint point, MetricFamily family)
    {
        _labels.Clear();
        foreach (var tag in point.Tags)
        {
            _labels.Add(new(MetricFamily.LabelName(tag.Key), FormatValue(tag.Value)));
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
