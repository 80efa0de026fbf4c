using System.Numerics;

namespace Pulse.LoadGen.Measurement;

/// <summary>
/// A log-linear histogram of non-negative integers (latencies in nanoseconds), with the bucket layout of
/// Gil Tene's HdrHistogram (hdrhistogram.org: "buckets" are powers of two, each split into linear
/// "sub-buckets"; every bucket after the first keeps only its top half, because its bottom half is already
/// covered by the buckets before it). With 2^8 sub-buckets a bucket is never wider than 1/128 of its lower
/// bound, and a percentile reported as the middle of its bucket is within 1/256 (0.39%) of the exact
/// nearest-rank percentile. Values below 256 are kept exactly.
/// </summary>
/// <remarks>
/// Recording is lock-free and allocation-free (one <see cref="Interlocked"/> increment per value plus
/// compare-exchange loops for the exact minimum and maximum), so many senders may record at once while a
/// reader copies the counts for a progress display.
/// </remarks>
internal sealed class LatencyHistogram
{
    /// <summary>log2 of the number of sub-buckets of the first bucket.</summary>
    public const int SubBucketBits = 8;

    private const int SubBucketCount = 1 << SubBucketBits;
    private const int SubBucketHalf = SubBucketCount / 2;

    /// <summary>Number of counters needed to cover every non-negative <see cref="long"/>.</summary>
    public static readonly int BucketCount = IndexOf(long.MaxValue) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    public long Count => Volatile.Read(ref _count);

    /// <summary>Smallest recorded value (exact), or 0 when empty.</summary>
    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    /// <summary>Largest recorded value (exact), or 0 when empty.</summary>
    public long Max => Count == 0 ? 0 : Volatile.Read(ref _max);

    /// <summary>Sum of recorded values (exact unless it overflows, which would take ~292 years of latency).</summary>
    public long Sum => Volatile.Read(ref _sum);

    /// <summary>Records one value; negative values count as 0.</summary>
    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }

        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Add(ref _sum, value);
        UpdateMin(value);
        UpdateMax(value);
        Interlocked.Increment(ref _count);
    }

    /// <summary>The value at quantile <paramref name="quantile"/> (0..1), nearest-rank definition; 0 when empty.</summary>
    public long ValueAtQuantile(double quantile)
    {
        var snapshot = new HistogramCounts();
        snapshot.Add(this);
        return snapshot.ValueAtQuantile(quantile);
    }

    /// <summary>Adds this histogram's counters into <paramref name="counts"/>, which must hold <see cref="BucketCount"/> entries.</summary>
    internal void AddCountsTo(long[] counts, ref long count, ref long sum, ref long min, ref long max)
    {
        var recorded = Count;
        if (recorded == 0)
        {
            return;
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref _counts[i]);
            if (c != 0)
            {
                counts[i] += c;
            }
        }

        count += recorded;
        sum += Sum;
        min = Math.Min(min, Volatile.Read(ref _min));
        max = Math.Max(max, Volatile.Read(ref _max));
    }

    /// <summary>Index of the counter that holds <paramref name="value"/> (which must not be negative).</summary>
    public static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        // The highest set bit picks the power-of-two bucket; the next SubBucketBits - 1 bits pick the sub-bucket.
        var shift = (63 - BitOperations.LeadingZeroCount((ulong)value)) - (SubBucketBits - 1);
        var top = (int)(value >> shift);
        return SubBucketCount + ((shift - 1) * SubBucketHalf) + (top - SubBucketHalf);
    }

    /// <summary>Smallest value that lands in counter <paramref name="index"/>.</summary>
    public static long LowestEquivalent(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var k = index - SubBucketCount;
        var shift = (k / SubBucketHalf) + 1;
        var top = (long)((k % SubBucketHalf) + SubBucketHalf);
        return top << shift;
    }

    /// <summary>Number of distinct values that land in counter <paramref name="index"/>.</summary>
    public static long Width(int index) =>
        index < SubBucketCount ? 1 : 1L << (((index - SubBucketCount) / SubBucketHalf) + 1);

    /// <summary>Largest value that lands in counter <paramref name="index"/>.</summary>
    public static long HighestEquivalent(int index) => LowestEquivalent(index) + (Width(index) - 1);

    /// <summary>The value reported for counter <paramref name="index"/>: the middle of its range.</summary>
    public static long Representative(int index) => LowestEquivalent(index) + (Width(index) / 2);

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>
/// A single-threaded copy of one or more <see cref="LatencyHistogram"/>s' counters, for merging endpoints into
/// an overall view and for the difference between two moments (the progress display's last interval).
/// </summary>
internal sealed class HistogramCounts
{
    private readonly long[] _counts = new long[LatencyHistogram.BucketCount];

    public long Count { get; private set; }

    public long Sum { get; private set; }

    /// <summary>Exact minimum of the merged histograms; not meaningful after <see cref="SetToDifference"/>.</summary>
    public long Min { get; private set; } = long.MaxValue;

    /// <summary>Exact maximum of the merged histograms; not meaningful after <see cref="SetToDifference"/>.</summary>
    public long Max { get; private set; } = long.MinValue;

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        Sum = 0;
        Min = long.MaxValue;
        Max = long.MinValue;
    }

    public void Add(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long count = Count, sum = Sum, min = Min, max = Max;
        histogram.AddCountsTo(_counts, ref count, ref sum, ref min, ref max);
        (Count, Sum, Min, Max) = (count, sum, min, max);
    }

    /// <summary>Makes this the counts recorded between <paramref name="earlier"/> and <paramref name="later"/>.</summary>
    public void SetToDifference(HistogramCounts later, HistogramCounts earlier)
    {
        ArgumentNullException.ThrowIfNull(later);
        ArgumentNullException.ThrowIfNull(earlier);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = later._counts[i] - earlier._counts[i];
        }

        Count = later.Count - earlier.Count;
        Sum = later.Sum - earlier.Sum;
        Min = long.MinValue;
        Max = long.MaxValue;
    }

    /// <summary>
    /// Nearest-rank percentile: the smallest recorded value with at least <c>ceil(q * count)</c> values at or
    /// below it, reported as the middle of its counter's range and clamped to the exact minimum and maximum.
    /// </summary>
    public long ValueAtQuantile(double quantile)
    {
        if (Count <= 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(quantile, 0, 1) * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Clamp(LatencyHistogram.Representative(i), Math.Min(Min, Max), Math.Max(Min, Max));
            }
        }

        return Max;
    }
}
