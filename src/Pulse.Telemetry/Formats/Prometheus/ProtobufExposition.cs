using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wire = Io.Prometheus.Client;

namespace Pulse.Telemetry.Formats.Prometheus;

/// <summary>
/// One exposition in the Prometheus protobuf format
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#protobuf-format): a sequence of
/// <c>io.prometheus.client.MetricFamily</c> messages, each preceded by its length as a varint
/// (<c>encoding=delimited</c>). Counter families are named with their <c>_total</c>, as their samples are; a
/// histogram carries its classic buckets (with their exemplars) and, when given, its native buckets in the same
/// message, as the native histograms specification lays out ("Exposition formats"), so that a scraper can read
/// either or both.
/// </summary>
internal sealed class ProtobufExposition : Exposition
{
    /// <summary>
    /// Empty buckets between two populated ones that stay in one span (as zero deltas) rather than starting a new
    /// span: a span costs two varints, an empty bucket one.
    /// </summary>
    private const int MaxGapInSpan = 2;

    private readonly ArrayBufferWriter<byte> _out = new(64 * 1024);
    private readonly List<Wire.LabelPair> _labels = [];
    private Wire.MetricFamily? _family;

    public override ReadOnlySpan<byte> Written => _out.WrittenSpan;

    /// <summary>Starts a new exposition.</summary>
    public void Begin()
    {
        _out.ResetWrittenCount();
        ClearNames();
        _labels.Clear();
        _family = null;
    }

    public override void Family(string name, FamilyType type, string help, string unit)
    {
        Flush();
        _family = new Wire.MetricFamily
        {
            // A counter's only series is the family's name, _total included; a histogram's are derived from it.
            Name = type == FamilyType.Counter ? name + "_total" : name,
            Type = type switch
            {
                FamilyType.Counter => Wire.MetricType.Counter,
                FamilyType.Histogram => Wire.MetricType.Histogram,
                _ => Wire.MetricType.Gauge,
            },
        };
        if (help.Length > 0)
        {
            _family.Help = help;
        }
    }

    public override void ResetLabels() => _labels.Clear();

    public override void Label(string name, string value) => _labels.Add(new Wire.LabelPair { Name = name, Value = value });

    public override void Counter(string name, long value) => AddMetric().Counter = new Wire.Counter { Value = value };

    public override void Counter(string name, double value) => AddMetric().Counter = new Wire.Counter { Value = value };

    public override void Gauge(string name, long value) => AddMetric().Gauge = new Wire.Gauge { Value = value };

    public override void Gauge(string name, double value) => AddMetric().Gauge = new Wire.Gauge { Value = value };

    public override void Histogram(
        string name, ReadOnlySpan<double> bounds, ReadOnlySpan<long> counts, double sum, long count, ReadOnlySpan<BucketExemplar> exemplars, NativeBuckets? native)
    {
        var histogram = new Wire.Histogram { SampleCount = (ulong)count, SampleSum = sum };
        long cumulative = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += counts[i];
            var bucket = new Wire.Bucket { CumulativeCount = (ulong)cumulative, UpperBound = bounds[i] };
            if (i < exemplars.Length && !exemplars[i].IsEmpty && exemplars[i].FitsLabelLimit)
            {
                bucket.Exemplar = Exemplar(exemplars[i]);
            }

            histogram.Bucket.Add(bucket);
        }

        if (native is not null)
        {
            AddNativeBuckets(histogram, native);
        }

        AddMetric().Histogram = histogram;
    }

    public override void End() => Flush();

    /// <summary>
    /// The native part: schema, zero bucket, and the populated positive buckets as spans and count deltas. A
    /// histogram without populated buckets gets a no-op span (offset 0, length 0), which tells a parser that it is
    /// native nonetheless (native histograms specification, "Exposition formats").
    /// </summary>
    private static void AddNativeBuckets(Wire.Histogram histogram, NativeBuckets native)
    {
        histogram.Schema = native.Schema;
        histogram.ZeroThreshold = native.ZeroThreshold;
        histogram.ZeroCount = (ulong)native.ZeroCount;

        Wire.BucketSpan? span = null;
        var next = 0;
        long previous = 0;
        for (var k = 0; k < native.Counts.Length; k++)
        {
            var bucketCount = native.Counts[k];
            if (bucketCount == 0)
            {
                continue;
            }

            var index = native.FirstIndex + k;
            if (span is null || index - next > MaxGapInSpan)
            {
                // The first span's offset is its first index; every other span's is the gap since the previous one.
                span = new Wire.BucketSpan { Offset = span is null ? index : index - next, Length = 0 };
                histogram.PositiveSpan.Add(span);
            }
            else
            {
                for (; next < index; next++)
                {
                    histogram.PositiveDelta.Add(-previous);
                    previous = 0;
                    span.Length++;
                }
            }

            histogram.PositiveDelta.Add(bucketCount - previous);
            previous = bucketCount;
            span.Length++;
            next = index + 1;
        }

        if (span is null)
        {
            histogram.PositiveSpan.Add(new Wire.BucketSpan { Offset = 0, Length = 0 });
        }
    }

    private static Wire.Exemplar Exemplar(in BucketExemplar exemplar) => new()
    {
        Label =
        {
            new Wire.LabelPair { Name = BucketExemplar.TraceIdLabel, Value = exemplar.TraceId },
            new Wire.LabelPair { Name = BucketExemplar.SpanIdLabel, Value = exemplar.SpanId },
        },
        Value = exemplar.Value,
        Timestamp = new Timestamp
        {
            Seconds = exemplar.UnixMilliseconds / 1000,
            Nanos = (int)(exemplar.UnixMilliseconds % 1000) * 1_000_000,
        },
    };

    private Wire.Metric AddMetric()
    {
        var metric = new Wire.Metric();
        metric.Label.AddRange(_labels);
        (_family ?? throw new InvalidOperationException("A sample needs a family.")).Metric.Add(metric);
        return metric;
    }

    /// <summary>Writes the family begun last, unless it has no samples.</summary>
    private void Flush()
    {
        if (_family is { Metric.Count: > 0 })
        {
            // encoding=delimited: each message preceded by its size as a base-128 varint.
            var size = (uint)_family.CalculateSize();
            var prefix = _out.GetSpan(5);
            var length = 0;
            for (; size >= 0x80; size >>= 7)
            {
                prefix[length++] = (byte)(size | 0x80);
            }

            prefix[length++] = (byte)size;
            _out.Advance(length);
            _family.WriteTo(_out);
        }

        _family = null;
    }
}
