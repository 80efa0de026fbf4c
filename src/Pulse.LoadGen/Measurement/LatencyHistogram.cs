using HdrHistogram;

namespace Pulse.LoadGen.Measurement;

/// <summary>
/// Latencies in nanoseconds, recorded by many senders at once: the distribution in HdrHistogram's concurrent
/// histogram (hdrhistogram.org) with <see cref="SignificantDigits"/> significant digits, so a percentile is
/// within 1/1024 of the value it stands for, plus the exact count, sum, minimum and maximum, which HdrHistogram
/// knows only to the width of a bucket. Recording takes no lock and allocates nothing.
/// </summary>
internal sealed class LatencyHistogram
{
    public const int SignificantDigits = 3;

    /// <summary>The largest value the distribution tells apart, a day; a larger one counts there as a day but is still the exact maximum.</summary>
    public const long HighestTrackable = 86_400_000_000_000;

    private readonly LongConcurrentHistogram _distribution = new(1, HighestTrackable, SignificantDigits);
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
        value = Math.Max(value, 0);
        _distribution.RecordValue(Math.Min(value, HighestTrackable));
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

    /// <summary>Adds this histogram's counts to <paramref name="distribution"/> and its exact figures to the others.</summary>
    internal void AddTo(HistogramBase distribution, ref long count, ref long sum, ref long min, ref long max)
    {
        var recorded = Count;
        if (recorded == 0)
        {
            return;
        }

        distribution.Add(_distribution);
        count += recorded;
        sum += Sum;
        min = Math.Min(min, Volatile.Read(ref _min));
        max = Math.Max(max, Volatile.Read(ref _max));
    }

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
/// A single-threaded copy of one or more <see cref="LatencyHistogram"/>s, for merging endpoints into an overall
/// view and for the difference between two moments (the progress display's last interval).
/// </summary>
internal sealed class HistogramCounts
{
    private readonly LongHistogram _distribution = new(1, LatencyHistogram.HighestTrackable, LatencyHistogram.SignificantDigits);

    public long Count { get; private set; }

    public long Sum { get; private set; }

    /// <summary>Exact minimum of the merged histograms; not meaningful after <see cref="SetToDifference"/>.</summary>
    public long Min { get; private set; } = long.MaxValue;

    /// <summary>Exact maximum of the merged histograms; not meaningful after <see cref="SetToDifference"/>.</summary>
    public long Max { get; private set; } = long.MinValue;

    public void Clear()
    {
        _distribution.Reset();
        Count = 0;
        Sum = 0;
        Min = long.MaxValue;
        Max = long.MinValue;
    }

    public void Add(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long count = Count, sum = Sum, min = Min, max = Max;
        histogram.AddTo(_distribution, ref count, ref sum, ref min, ref max);
        (Count, Sum, Min, Max) = (count, sum, min, max);
    }

    /// <summary>Makes this the values recorded between <paramref name="earlier"/> and <paramref name="later"/>.</summary>
    public void SetToDifference(HistogramCounts later, HistogramCounts earlier)
    {
        ArgumentNullException.ThrowIfNull(later);
        ArgumentNullException.ThrowIfNull(earlier);
        _distribution.Reset();
        foreach (var bucket in later._distribution.RecordedValues())
        {
            var added = bucket.CountAtValueIteratedTo - earlier._distribution.GetCountAtValue(bucket.ValueIteratedTo);
            if (added > 0)
            {
                _distribution.RecordValueWithCount(bucket.ValueIteratedTo, added);
            }
        }

        Count = later.Count - earlier.Count;
        Sum = later.Sum - earlier.Sum;
        Min = long.MinValue;
        Max = long.MaxValue;
    }

    /// <summary>
    /// Nearest-rank percentile as HdrHistogram reports it (the highest value of the bucket that holds it), clamped
    /// to the exact minimum and maximum.
    /// </summary>
    public long ValueAtQuantile(double quantile)
    {
        if (Count <= 0 || _distribution.TotalCount == 0)
        {
            return 0;
        }

        var value = _distribution.GetValueAtPercentile(Math.Clamp(quantile, 0, 1) * 100);
        return Math.Clamp(value, Math.Min(Min, Max), Math.Max(Min, Max));
    }
}
