namespace Pulse.Telemetry.Formats.Prometheus;

/// <summary>
/// One exposition in the Prometheus text format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format) or OpenMetrics 1.0.0
/// (https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md): HELP, TYPE and
/// (OpenMetrics only) UNIT lines, samples with escaped label values and no timestamps, cumulative
/// <c>le</c> buckets ending in <c>+Inf</c> followed by <c>_sum</c> and <c>_count</c>, bucket exemplars
/// (OpenMetrics only), and the closing <c># EOF</c> of OpenMetrics. Neither format carries native buckets.
/// </summary>
internal sealed class TextExposition : Exposition
{
    private readonly ExpositionWriter _out = new();
    private readonly ExpositionWriter _labels = new();
    private bool _openMetrics;
    private int _labelCount;

    /// <summary>The UTF-8 text written since <see cref="Begin"/>.</summary>
    public override ReadOnlySpan<byte> Written => _out.WrittenSpan;

    /// <summary>Starts a new exposition in OpenMetrics 1.0.0 or in the 0.0.4 text format.</summary>
    public void Begin(bool openMetrics)
    {
        _out.Reset();
        ClearNames();
        _openMetrics = openMetrics;
        ResetLabels();
    }

    /// <summary>Writes the metadata lines of a family: HELP (unless empty), TYPE and, in OpenMetrics, UNIT.</summary>
    public override void Family(string name, FamilyType type, string help, string unit)
    {
        // The 0.0.4 format names a counter family with its _total; OpenMetrics names it without.
        var suffix = type == FamilyType.Counter && !_openMetrics ? "_total"u8 : default;
        if (help.Length > 0)
        {
            _out.Raw("# HELP "u8);
            _out.Text(name);
            _out.Raw(suffix);
            _out.Byte((byte)' ');

            // 0.0.4 escapes only backslash and line feed in HELP; OpenMetrics also escapes the double quote.
            _out.Escaped(help, escapeQuote: _openMetrics);
            _out.Byte((byte)'\n');
        }

        _out.Raw("# TYPE "u8);
        _out.Text(name);
        _out.Raw(suffix);
        _out.Raw(type switch
        {
            FamilyType.Counter => " counter\n"u8,
            FamilyType.Histogram => " histogram\n"u8,
            _ => " gauge\n"u8,
        });

        if (_openMetrics && unit.Length > 0)
        {
            _out.Raw("# UNIT "u8);
            _out.Text(name);
            _out.Byte((byte)' ');
            _out.Text(unit);
            _out.Byte((byte)'\n');
        }
    }

    public override void ResetLabels()
    {
        _labels.Reset();
        _labelCount = 0;
    }

    /// <summary>Adds a label to the set that the following samples carry; the value is escaped.</summary>
    public override void Label(string name, string value)
    {
        if (_labelCount++ > 0)
        {
            _labels.Byte((byte)',');
        }

        _labels.Text(name);
        _labels.Raw("=\""u8);
        _labels.Escaped(value, escapeQuote: true);
        _labels.Byte((byte)'"');
    }

    /// <summary>A counter sample: <c>name_total{labels} value</c>.</summary>
    public override void Counter(string name, long value)
    {
        Sample(name, "_total"u8);
        _out.Long(value);
        _out.Byte((byte)'\n');
    }

    /// <inheritdoc cref="Counter(string, long)"/>
    public override void Counter(string name, double value)
    {
        Sample(name, "_total"u8);
        _out.Double(value);
        _out.Byte((byte)'\n');
    }

    /// <summary>A gauge sample: <c>name{labels} value</c>.</summary>
    public override void Gauge(string name, long value)
    {
        Sample(name, default);
        _out.Long(value);
        _out.Byte((byte)'\n');
    }

    /// <inheritdoc cref="Gauge(string, long)"/>
    public override void Gauge(string name, double value)
    {
        Sample(name, default);
        _out.Double(value);
        _out.Byte((byte)'\n');
    }

    /// <summary>
    /// A histogram's samples: one cumulative <c>_bucket</c> per bound (<paramref name="counts"/> are the
    /// buckets' own counts; the last bound is +Inf), each with its exemplar in OpenMetrics, then <c>_sum</c> and
    /// <c>_count</c>. The native buckets are not written: neither text format has them.
    /// </summary>
    public override void Histogram(
        string name, ReadOnlySpan<double> bounds, ReadOnlySpan<long> counts, double sum, long count, ReadOnlySpan<BucketExemplar> exemplars, NativeBuckets? native)
    {
        long cumulative = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += counts[i];
            _out.Text(name);
            _out.Raw("_bucket{"u8);
            if (_labelCount > 0)
            {
                _out.Raw(_labels.WrittenSpan);
                _out.Byte((byte)',');
            }

            _out.Raw("le=\""u8);
            _out.Bound(bounds[i], _openMetrics);
            _out.Raw("\"} "u8);
            _out.Long(cumulative);
            if (_openMetrics && i < exemplars.Length && !exemplars[i].IsEmpty && exemplars[i].FitsLabelLimit)
            {
                Exemplar(exemplars[i]);
            }

            _out.Byte((byte)'\n');
        }

        Sample(name, "_sum"u8);
        _out.Double(sum);
        _out.Byte((byte)'\n');
        Sample(name, "_count"u8);
        _out.Long(count);
        _out.Byte((byte)'\n');
    }

    /// <summary>Ends the exposition (OpenMetrics closes it with <c># EOF</c>).</summary>
    public override void End()
    {
        if (_openMetrics)
        {
            _out.Raw("# EOF\n"u8);
        }
    }

    /// <summary>
    /// OpenMetrics 1.0 "Exemplars" (ABNF <c>exemplar = SP HASH SP labels SP number [SP timestamp]</c>): the label
    /// set, the value and the timestamp in seconds, after the bucket's value: <c> # {trace_id="…",span_id="…"} 0.0042 1700000000.123</c>.
    /// </summary>
    private void Exemplar(in BucketExemplar exemplar)
    {
        _out.Raw(" # {"u8);
        _out.Text(BucketExemplar.TraceIdLabel);
        _out.Raw("=\""u8);
        _out.Escaped(exemplar.TraceId, escapeQuote: true);
        _out.Raw("\","u8);
        _out.Text(BucketExemplar.SpanIdLabel);
        _out.Raw("=\""u8);
        _out.Escaped(exemplar.SpanId, escapeQuote: true);
        _out.Raw("\"} "u8);
        _out.Double(exemplar.Value);
        _out.Byte((byte)' ');
        _out.Long(exemplar.UnixMilliseconds / 1000);
        _out.Byte((byte)'.');
        var millis = exemplar.UnixMilliseconds % 1000;
        _out.Byte((byte)('0' + (millis / 100)));
        _out.Byte((byte)('0' + (millis / 10 % 10)));
        _out.Byte((byte)('0' + (millis % 10)));
    }

    private void Sample(string name, ReadOnlySpan<byte> suffix)
    {
        _out.Text(name);
        _out.Raw(suffix);
        if (_labelCount > 0)
        {
            _out.Byte((byte)'{');
            _out.Raw(_labels.WrittenSpan);
            _out.Byte((byte)'}');
        }

        _out.Byte((byte)' ');
    }
}
