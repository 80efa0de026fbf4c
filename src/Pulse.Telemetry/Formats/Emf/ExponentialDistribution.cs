using System.Globalization;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Formats.Emf;

/// <summary>
/// A base-2 exponential histogram (OpenTelemetry data model: bucket
/// <c>i</c> holds values in <c>(base^i, base^(i+1)]</c> with <c>base = 2^(2^-scale)</c>), with exact count,
/// sum, min and max. Histograms of different scales merge at the coarser scale, where bucket <c>i</c> becomes
/// bucket <c>i &gt;&gt; (scale difference)</c>.
/// </summary>
internal sealed class ExponentialDistribution
{
    /// <summary>The most values one metric object may hold (EMF rules §6, awsemfexporter's split threshold).</summary>
    public const int MaxValuesPerObject = 100;

    /// <summary>The factor that writes a distribution recorded in seconds in milliseconds.</summary>
    public const double MillisecondsPerSecond = 1000.0;

    private Dictionary<int, long> _buckets = [];

    public int Scale { get; private set; }

    public long ZeroCount { get; private set; }

    public long Count { get; private set; }

    /// <summary>Sum of the recorded values.</summary>
    public double Sum { get; private set; }

    /// <summary>Smallest recorded value.</summary>
    public double Min { get; private set; } = double.PositiveInfinity;

    /// <summary>Largest recorded value.</summary>
    public double Max { get; private set; } = double.NegativeInfinity;

    public int NonEmptyBucketCount => _buckets.Count + (ZeroCount > 0 ? 1 : 0);

    public static ExponentialDistribution From(in MetricPoint point)
    {
        var data = point.GetExponentialHistogramData();
        var distribution = new ExponentialDistribution
        {
            Scale = data.Scale,
            ZeroCount = data.ZeroCount,
            Count = point.GetHistogramCount(),
            Sum = point.GetHistogramSum(),
        };
        if (point.TryGetHistogramMinMaxValues(out var min, out var max))
        {
            distribution.Min = min;
            distribution.Max = max;
        }

        var index = data.PositiveBuckets.Offset;
        foreach (var count in data.PositiveBuckets)
        {
            if (count != 0)
            {
                distribution._buckets[index] = count;
            }

            index++;
        }

        return distribution;
    }

    /// <summary>Builds a distribution from raw buckets (tests and benchmarks).</summary>
    public static ExponentialDistribution FromBuckets(int scale, IReadOnlyDictionary<int, long> buckets, long zeroCount, double sum, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var distribution = new ExponentialDistribution { Scale = scale, ZeroCount = zeroCount, Sum = sum, Min = min, Max = max };
        foreach (var (index, count) in buckets)
        {
            if (count != 0)
            {
                distribution._buckets[index] = count;
            }
        }

        distribution.Count = zeroCount + distribution._buckets.Values.Sum();
        return distribution;
    }

    /// <summary>
    /// Builds a distribution from contiguous buckets: bucket <c>offset + i</c> holds <c>counts[i]</c> values.
    /// The count is the buckets' total.
    /// </summary>
    public static ExponentialDistribution FromBuckets(int scale, int offset, ReadOnlySpan<long> counts, long zeroCount, double sum, double min, double max)
    {
        var distribution = new ExponentialDistribution { Scale = scale, ZeroCount = zeroCount, Sum = sum, Min = min, Max = max };
        var total = zeroCount;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                distribution._buckets[offset + i] = counts[i];
                total += counts[i];
            }
        }

        distribution.Count = total;
        return distribution;
    }

    /// <summary>Adds <paramref name="other"/> into this distribution, downscaling whichever is finer.</summary>
    public void Merge(ExponentialDistribution other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            Scale = other.Scale;
        }
        else if (other.Scale < Scale)
        {
            var shift = Scale - other.Scale;
            var rescaled = new Dictionary<int, long>(_buckets.Count);
            foreach (var (index, count) in _buckets)
            {
                rescaled[index >> shift] = rescaled.GetValueOrDefault(index >> shift) + count;
            }

            _buckets = rescaled;
            Scale = other.Scale;
        }

        var otherShift = other.Scale - Scale;
        foreach (var (index, count) in other._buckets)
        {
            _buckets[index >> otherShift] = _buckets.GetValueOrDefault(index >> otherShift) + count;
        }

        ZeroCount += other.ZeroCount;
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// The distribution as Values/Counts objects of at most <see cref="MaxValuesPerObject"/> values each, every
    /// number multiplied by <paramref name="factor"/> (a unit change), the way awsemfexporter splits an exponential histogram (datapoint.go, EMF rules §6): values
    /// from the highest bucket down, the zero bucket as 0, empty buckets skipped; each object's Count is its own
    /// buckets' total; Sum only on the first; the true Max on the first and the true Min on the last, the other
    /// bounds being the object's outermost bucket boundaries. Across the objects Count, Sum, Min and Max are
    /// exactly those of the recorded values.
    /// </summary>
    public IReadOnlyList<DistributionChunk> ToChunks(double factor)
    {
        var buckets = SortedDescending();
        var chunks = new List<DistributionChunk>((buckets.Count + MaxValuesPerObject - 1) / MaxValuesPerObject);
        for (var start = 0; start < buckets.Count; start += MaxValuesPerObject)
        {
            var length = Math.Min(MaxValuesPerObject, buckets.Count - start);
            var values = new double[length];
            var counts = new long[length];
            long count = 0;
            for (var i = 0; i < length; i++)
            {
                var (index, bucketCount, isZero) = buckets[start + i];
                values[i] = isZero ? 0 : Representative(index, factor);
                counts[i] = bucketCount;
                count += bucketCount;
            }

            var first = start == 0;
            var last = start + length == buckets.Count;
            var highest = buckets[start];
            var lowest = buckets[start + length - 1];
            var max = first ? Max : Math.Min(Max, highest.IsZero ? 0 : UpperBound(highest.Index));
            var min = last ? Min : Math.Max(Min, lowest.IsZero ? 0 : LowerBound(lowest.Index));
            chunks.Add(new DistributionChunk(values, counts, count, first ? Sum * factor : 0, min * factor, max * factor));
        }

        return chunks;
    }

    /// <summary>
    /// At most <see cref="MaxValuesPerObject"/> plain values, multiplied by <paramref name="factor"/> (the
    /// spec-listed array form, one sample per element): every recorded value's bucket value when there are that few, otherwise the
    /// values at evenly spread ranks, so that percentiles keep within one percentile point plus a bucket.
    /// </summary>
    public double[] ToPlainValues(double factor)
    {
        var ascending = SortedDescending();
        ascending.Reverse();
        var total = Count;
        var size = (int)Math.Min(total, MaxValuesPerObject);
        var values = new double[size];
        var bucket = 0;
        long seen = ascending.Count > 0 ? ascending[0].Count : 0;
        for (var k = 0; k < size; k++)
        {
            // The (k + 1/2)-th of `size` equal slices of the ranks; every rank itself when total <= 100.
            var rank = total <= MaxValuesPerObject ? k + 1 : (long)Math.Ceiling((k + 0.5) * total / size);
            while (seen < rank && bucket < ascending.Count - 1)
            {
                bucket++;
                seen += ascending[bucket].Count;
            }

            var (index, _, isZero) = ascending[bucket];
            values[k] = isZero ? 0 : Representative(index, factor);
        }

        return values;
    }

    /// <summary>Lower boundary of bucket <paramref name="index"/> <c>base^index</c>.</summary>
    public double LowerBound(int index) => Math.Pow(2, Math.ScaleB(index, -Scale));

    /// <summary>Upper boundary of bucket <paramref name="index"/> <c>base^(index+1)</c>.</summary>
    public double UpperBound(int index) => Math.Pow(2, Math.ScaleB(index + 1, -Scale));

    /// <summary>
    /// The bucket's midpoint (EMF rules §6) in the unit written (times <paramref name="factor"/>), rounded to 6
    /// significant digits there: far below the bucket's own width at scale 5 (about 2%), a third of the bytes of
    /// a full double, and no binary residue of the unit change (0.729002, not 0.7290019999999999). It is kept
    /// within the recorded min and max, which only moves it closer to the values it stands for; a value so kept
    /// is that bound, exactly as Min or Max carry it.
    /// </summary>
    private double Representative(int index, double factor)
    {
        var midpoint = (LowerBound(index) + UpperBound(index)) / 2 * factor;
        var rounded = double.Parse(midpoint.ToString("G6", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return Math.Clamp(rounded, Min * factor, Max * factor);
    }

    private List<(int Index, long Count, bool IsZero)> SortedDescending()
    {
        var sorted = new List<(int Index, long Count, bool IsZero)>(NonEmptyBucketCount);
        foreach (var (index, count) in _buckets)
        {
            sorted.Add((index, count, false));
        }

        sorted.Sort(static (a, b) => b.Index.CompareTo(a.Index));
        if (ZeroCount > 0)
        {
            sorted.Add((0, ZeroCount, true));
        }

        return sorted;
    }
}

/// <summary>One Values/Counts object, in milliseconds.</summary>
internal sealed record DistributionChunk(double[] Values, long[] Counts, long Count, double Sum, double Min, double Max);
