namespace Pulse.Telemetry.Formats.Prometheus;

/// <summary>
/// One exposition, in whichever format the scraper asked for: each family once, its metadata, then its samples,
/// each carrying the label set set last. It knows the formats only: which families there are, and what they are
/// called, is decided by whoever calls it. Buffers are reused from one exposition to the next; not thread-safe.
/// </summary>
internal abstract class Exposition
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The bytes written since the exposition began.</summary>
    public abstract ReadOnlySpan<byte> Written { get; }

    /// <summary>
    /// Reserves a family name. Every format allows each family once per exposition, so a second family that
    /// would carry the same name is left out (false): the first one wins.
    /// </summary>
    public bool Claim(string name) => _names.Add(name);

    /// <summary>
    /// Starts a family. <paramref name="name"/> is the family name without the <c>_total</c> that a counter's
    /// samples carry; <paramref name="unit"/> (OpenMetrics only) is empty or the unit word the name ends with; an
    /// empty <paramref name="help"/> writes no help.
    /// </summary>
    public abstract void Family(string name, FamilyType type, string help, string unit);

    /// <summary>Clears the label set that the following samples carry.</summary>
    public abstract void ResetLabels();

    /// <summary>Adds a label to the set that the following samples carry.</summary>
    public abstract void Label(string name, string value);

    /// <summary>A counter sample (<c>name_total</c>).</summary>
    public abstract void Counter(string name, long value);

    /// <inheritdoc cref="Counter(string, long)"/>
    public abstract void Counter(string name, double value);

    /// <summary>A gauge sample.</summary>
    public abstract void Gauge(string name, long value);

    /// <inheritdoc cref="Gauge(string, long)"/>
    public abstract void Gauge(string name, double value);

    /// <summary>
    /// A classic histogram: <paramref name="counts"/> are each bucket's own count (not cumulative) under the
    /// upper bounds <paramref name="bounds"/>, the last of which is +Inf.
    /// </summary>
    public void Histogram(string name, ReadOnlySpan<double> bounds, ReadOnlySpan<long> counts, double sum, long count) =>
        Histogram(name, bounds, counts, sum, count, default, null);

    /// <summary>
    /// A histogram with, where the format can carry them, an exemplar per classic bucket (<paramref name="exemplars"/>
    /// parallel to <paramref name="bounds"/>, empty entries for none, or an empty span) and native buckets.
    /// </summary>
    public abstract void Histogram(
        string name, ReadOnlySpan<double> bounds, ReadOnlySpan<long> counts, double sum, long count, ReadOnlySpan<BucketExemplar> exemplars, NativeBuckets? native);

    /// <summary>Ends the exposition.</summary>
    public abstract void End();

    /// <summary>Forgets the families of the previous exposition.</summary>
    protected void ClearNames() => _names.Clear();
}

/// <summary>The family types every format shares.</summary>
internal enum FamilyType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// An exemplar of a histogram bucket: a value observed in the bucket, when (Unix milliseconds), and the trace and
/// span of the operation that observed it, written as the labels <c>trace_id</c> and <c>span_id</c> (the names
/// OpenTelemetry's Prometheus compatibility specification gives them). The default value is no exemplar.
/// </summary>
internal readonly record struct BucketExemplar(string TraceId, string SpanId, double Value, long UnixMilliseconds)
{
    public const string TraceIdLabel = "trace_id";
    public const string SpanIdLabel = "span_id";

    /// <summary>
    /// OpenMetrics 1.0 "Exemplars": the combined length of an exemplar's label names and values MUST NOT exceed
    /// 128 UTF-8 characters. A W3C trace and span id (32 and 16 hex digits) use 63 of them.
    /// </summary>
    public const int MaxLabelCharacters = 128;

    public bool IsEmpty => TraceId is null;

    /// <summary>Whether the label set stays within <see cref="MaxLabelCharacters"/>; one that does not is not written.</summary>
    public bool FitsLabelLimit =>
        TraceIdLabel.Length + SpanIdLabel.Length + TraceId.EnumerateRunes().Count() + SpanId.EnumerateRunes().Count() <= MaxLabelCharacters;
}

/// <summary>
/// The buckets of a native histogram with a standard exponential schema (Prometheus native histograms): bucket
/// <c>i</c> of schema <c>n</c> holds the values in <c>(2^((i-1)/2^n), 2^(i/2^n)]</c>; <paramref name="Counts"/>[k]
/// is bucket <c>FirstIndex + k</c>'s own count (zeros allowed); values in <c>[-ZeroThreshold, ZeroThreshold]</c>
/// are the <paramref name="ZeroCount"/>.
/// </summary>
internal sealed record NativeBuckets(int Schema, double ZeroThreshold, long ZeroCount, int FirstIndex, long[] Counts);
