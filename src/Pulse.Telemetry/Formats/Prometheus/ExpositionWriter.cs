using System.Buffers;
using System.Globalization;
using System.Text;

namespace Pulse.Telemetry.Formats.Prometheus;

/// <summary>
/// Appends UTF-8 exposition text to a reusable buffer. Numbers are always written in the invariant
/// culture; label values and HELP text are escaped as both text formats require.
/// </summary>
internal sealed class ExpositionWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public void Raw(ReadOnlySpan<byte> utf8) => _buffer.Write(utf8);

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    /// <summary>Writes text that needs no escaping (metric and label names).</summary>
    public void Text(string text)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>
    /// Writes a label value (backslash, double quote and line feed escaped) or HELP text (the 0.0.4 text
    /// format escapes only backslash and line feed there; OpenMetrics also escapes the double quote).
    /// </summary>
    public void Escaped(string text, bool escapeQuote)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var escape = text[i] switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '"' when escapeQuote => "\\\"",
                _ => null,
            };
            if (escape is null)
            {
                continue;
            }

            Text(text.AsSpan(start, i - start));
            Text(escape);
            start = i + 1;
        }

        Text(text.AsSpan(start));
    }

    public void Long(long value)
    {
        var span = _buffer.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    /// <summary>Writes a sample value: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c> or <c>NaN</c>.</summary>
    public void Double(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            Raw("+Inf"u8);
        }
        else if (double.IsNegativeInfinity(value))
        {
            Raw("-Inf"u8);
        }
        else if (double.IsNaN(value))
        {
            Raw("NaN"u8);
        }
        else
        {
            var span = _buffer.GetSpan(32);
            value.TryFormat(span, out var written, "R", CultureInfo.InvariantCulture);
            _buffer.Advance(written);
        }
    }

    /// <summary>
    /// Writes a bucket bound. OpenMetrics wants the canonical float form (<c>1.0</c>, as the reference
    /// clients write it) so that the <c>le</c> value is the same whatever produced it.
    /// </summary>
    public void Bound(double value, bool openMetrics)
    {
        Double(value);
        if (openMetrics && double.IsFinite(value) && value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            Raw(".0"u8);
        }
    }

    private void Text(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
