using System.Globalization;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Formats.Emf;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// The metrics of the meters listed in <see cref="EmfOptions.Meters"/>, one interval at a time, as EMF
/// documents grouped the way the OpenTelemetry collector's EMF exporter groups them (EMF rules §8): the points
/// that share their attributes form one document, whose directive publishes them at the dimension set
/// <c>[Service, attribute keys in ordinal order]</c>. Values follow EMF rules §7: counters and histograms are
/// the interval's delta, up-down counters and gauges their current value; histograms are written in
/// <see cref="EmfOptions.LatencyFormat"/>, in their own unit. Every attribute becomes a dimension, so each
/// distinct attribute combination is a billed CloudWatch metric: keep attributes bounded.
/// </summary>
internal sealed class MetricDocuments
{
    /// <summary>CloudWatch allows 30 keys per dimension set (EMF rules §4); <c>Service</c> takes one.</summary>
    public const int MaxAttributeDimensions = 29;

    /// <summary>At most 100 metrics per directive (EMF rules §3).</summary>
    public const int MaxMetricsPerDocument = 100;

    /// <summary>Dimension values must not be blank (EMF rules §4): an empty attribute value is written as this.</summary>
    public const string BlankValue = "(blank)";

    private readonly EmfDocumentWriter _writer;
    private readonly string _service;
    private readonly EmfLatencyFormat _format;
    private readonly OrderedDictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Unit)> _definitions = [];

    public MetricDocuments(EmfDocumentWriter writer, string service, EmfLatencyFormat format)
    {
        _writer = writer;
        _service = service;
        _format = format;
    }

    /// <summary>Takes the points of one collected metric (called while the collection is being read).</summary>
    public void Add(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var values = Values(metric, point);
            if (values.Count == 0)
            {
                continue;
            }

            var attributes = new List<KeyValuePair<string, string>>();
            foreach (var tag in point.Tags)
            {
                if (tag.Key != EmfMetrics.Dimensions.Service)
                {
                    attributes.Add(new(tag.Key, DimensionValue(tag.Value)));
                }
            }

            attributes.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var key = string.Concat(attributes.Select(static a => string.Create(CultureInfo.InvariantCulture, $"{a.Key.Length}:{a.Key}{a.Value.Length}:{a.Value}")));
            if (!_groups.TryGetValue(key, out var group))
            {
                group = new Group(attributes);
                _groups.Add(key, group);
            }

            group.Metrics.Add(new Entry(metric.Name, Unit(metric), values));
        }
    }

    /// <summary>Writes the documents of the interval through <paramref name="emit"/> and forgets the points.</summary>
    public void Write(long intervalStartMs, Action<string> emit)
    {
        ArgumentNullException.ThrowIfNull(emit);
        foreach (var group in _groups.Values)
        {
            for (var start = 0; start < group.Metrics.Count; start += MaxMetricsPerDocument)
            {
                var entries = group.Metrics.GetRange(start, Math.Min(MaxMetricsPerDocument, group.Metrics.Count - start));
                emit(Write(intervalStartMs, group, entries, part: 0));
                for (var part = 1; part < entries.Max(e => e.Values.Count); part++)
                {
                    // A distribution wider than one Values/Counts object continues in documents of its own.
                    emit(Write(intervalStartMs, group, [.. entries.Where(e => e.Values.Count > part)], part));
                }
            }
        }

        _groups.Clear();
    }

    private string Write(long timestampMs, Group group, List<Entry> entries, int part)
    {
        _definitions.Clear();
        foreach (var entry in entries)
        {
            if (entry.Values[part].IsValid)
            {
                _definitions.Add((entry.Name, entry.Unit));
            }
        }

        _writer.Begin(timestampMs);
        _writer.Directive(group.DimensionSet, _definitions);
        _writer.EndMetadata();
        _writer.String(EmfMetrics.Dimensions.Service, _service);
        foreach (var (key, value) in group.Attributes)
        {
            _writer.String(key, value);
        }

        foreach (var entry in entries)
        {
            _writer.Value(entry.Name, entry.Values[part]);
        }

        return _writer.End();
    }

    private List<EmfValue> Values(Metric metric, in MetricPoint point)
    {
        switch (metric.MetricType)
        {
            case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                return [EmfValue.Number(point.GetSumLong())];
            case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                return [EmfValue.Number(point.GetSumDouble())];
            case MetricType.LongGauge:
                return [EmfValue.Number(point.GetGaugeLastValueLong())];
            case MetricType.DoubleGauge:
                return [EmfValue.Number(point.GetGaugeLastValueDouble())];
            case MetricType.ExponentialHistogram:
                var distribution = ExponentialDistribution.From(point);
                if (distribution.Count == 0)
                {
                    return [];
                }

                return _format switch
                {
                    EmfLatencyFormat.Values => [EmfValue.Values(distribution.ToPlainValues(1))],
                    EmfLatencyFormat.StatisticSet => [EmfValue.StatisticSet(distribution, 1)],
                    _ => [.. distribution.ToChunks(1).Select(EmfValue.Distribution)],
                };
            default:
                return [];
        }
    }

    private static string Unit(Metric metric) => metric.MetricType switch
    {
        // A sum of things without a unit is a count of them.
        MetricType.LongSum or MetricType.DoubleSum or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic
            when string.IsNullOrEmpty(metric.Unit) => EmfUnits.Count,
        _ => EmfUnits.FromUcum(metric.Unit),
    };

    private static string DimensionValue(object? value)
    {
        var text = value switch
        {
            null => string.Empty,
            string s => s,
            bool flag => flag ? "true" : "false",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
        return string.IsNullOrWhiteSpace(text) ? BlankValue : EmfDocumentWriter.Truncate(text);
    }

    private sealed class Group
    {
        public Group(List<KeyValuePair<string, string>> attributes)
        {
            Attributes = attributes;
            DimensionSet = [EmfMetrics.Dimensions.Service, .. attributes.Take(MaxAttributeDimensions).Select(a => a.Key)];
        }

        /// <summary>Every attribute, written as a root member; the first <see cref="MaxAttributeDimensions"/> are dimensions.</summary>
        public List<KeyValuePair<string, string>> Attributes { get; }

        public string[] DimensionSet { get; }

        public List<Entry> Metrics { get; } = [];
    }

    private sealed record Entry(string Name, string Unit, List<EmfValue> Values);
}
