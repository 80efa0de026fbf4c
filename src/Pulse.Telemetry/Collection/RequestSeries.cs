using System.Diagnostics;

namespace Pulse.Telemetry.Collection;

/// <summary>
/// Everything measured about the requests of one method, route and status code, cumulative since the series
/// was created: the duration in classic buckets (Prometheus) and in a base-2 exponential histogram at scale 5
/// (EMF, and what a native histogram is made of), its sum and count, the latest exemplar of each duration
/// bucket, the body sizes in classic buckets, and the minimum and maximum duration since each interval reader
/// last looked. One short lock per series guards it, taken once per measurement and once per series by a reader, so a reader always sees a consistent state
/// (count equal to the buckets' total) and never holds up a request for longer than a copy of the counts.
/// </summary>
internal sealed class RequestSeries
{
    private readonly long[] _durationCounts;
    private readonly long[] _requestSizeCounts;
    private readonly long[] _responseSizeCounts;
    private readonly double[] _intervalMin = new double[RequestAggregation.MaxIntervalReaders];
    private readonly double[] _intervalMax = new double[RequestAggregation.MaxIntervalReaders];
    private int _lock;
    private double _durationSum;
    private long _count;
    private long[] _exponential = [];
    private TraceExemplar[]? _exemplars;
    private int _exponentialOffset;
    private long _zeroCount;
    private long _requestSizeSum;
    private long _responseSizeSum;
    private long _sizeCount;

    public RequestSeries(string method, string? route, int statusCode, int durationBuckets, int sizeBuckets, long order)
    {
        Order = order;
        Method = method;
        Route = route;
        StatusCode = statusCode;
        _durationCounts = new long[durationBuckets];
        _requestSizeCounts = new long[sizeBuckets];
        _responseSizeCounts = new long[sizeBuckets];
        _intervalMin.AsSpan().Fill(double.PositiveInfinity);
        _intervalMax.AsSpan().Fill(double.NegativeInfinity);
    }

    /// <summary>The bounded method (one of <see cref="PulseMetrics.KnownMethods"/> or <see cref="PulseMetrics.OtherMethod"/>).</summary>
    public string Method { get; }

    /// <summary>The route template; null when no route matched.</summary>
    public string? Route { get; }

    public int StatusCode { get; }

    /// <summary>Position among the host's series by creation, which keeps the exposition in a stable order.</summary>
    public long Order { get; }

    /// <summary>
    /// Records one duration in the classic bucket <paramref name="bucket"/>, with its exemplar unless that is
    /// empty, and for interval readers or a native histogram in the exponential histogram.
    /// </summary>
    public void RecordDuration(double seconds, int bucket, RequestAggregation owner, in TraceExemplar exemplar)
    {
        Enter();
        _durationCounts[bucket]++;
        _durationSum += seconds;
        _count++;
        if (!exemplar.IsEmpty)
        {
            // One exemplar per bucket, the latest: memory stays bounded by the buckets, and the exposition shows
            // the most recent request of each bucket (OpenMetrics 1.0 "Exemplars": a bucket MAY have one).
            _exemplars ??= new TraceExemplar[_durationCounts.Length];
            _exemplars[bucket] = exemplar;
        }

        // Read under the lock: a reader that registers sets its baseline under the same lock, so every
        // measurement is either in its baseline or in both its count and its buckets.
        var readers = owner.IntervalReaderCount;
        if (readers > 0 || owner.KeepsExponential)
        {
            if (seconds > 0)
            {
                var index = ExponentialIndex.Of(seconds);
                if ((uint)(index - _exponentialOffset) >= (uint)_exponential.Length)
                {
                    Grow(index);
                }

                _exponential[index - _exponentialOffset]++;
            }
            else
            {
                _zeroCount++;
            }

            for (var r = 0; r < readers; r++)
            {
                if (seconds < _intervalMin[r])
                {
                    _intervalMin[r] = seconds;
                }

                if (seconds > _intervalMax[r])
                {
                    _intervalMax[r] = seconds;
                }
            }
        }

        Exit();
    }

    /// <summary>Records one request's body sizes in the classic buckets given.</summary>
    public void RecordSizes(long requestBytes, int requestBucket, long responseBytes, int responseBucket)
    {
        Enter();
        _requestSizeCounts[requestBucket]++;
        _responseSizeCounts[responseBucket]++;
        _requestSizeSum += requestBytes;
        _responseSizeSum += responseBytes;
        _sizeCount++;
        Exit();
    }

    /// <summary>The cumulative state, for an exposition, with the exponential histogram when <paramref name="exponential"/>.</summary>
    public SeriesSnapshot Snapshot(bool exponential)
    {
        var snapshot = new SeriesSnapshot(
            Order, Method, Route, StatusCode, new long[_durationCounts.Length], new long[_requestSizeCounts.Length], new long[_responseSizeCounts.Length]);
        Enter();
        _durationCounts.CopyTo(snapshot.DurationCounts, 0);
        snapshot.Exemplars = _exemplars is null ? null : (TraceExemplar[])_exemplars.Clone();
        snapshot.Exponential = !exponential || _exponential.Length == 0 ? [] : (long[])_exponential.Clone();
        snapshot.ExponentialOffset = _exponentialOffset;
        snapshot.ZeroCount = _zeroCount;
        _requestSizeCounts.CopyTo(snapshot.RequestSizeCounts, 0);
        _responseSizeCounts.CopyTo(snapshot.ResponseSizeCounts, 0);
        snapshot.DurationSum = _durationSum;
        snapshot.Count = _count;
        snapshot.RequestSizeSum = _requestSizeSum;
        snapshot.ResponseSizeSum = _responseSizeSum;
        snapshot.SizeCount = _sizeCount;
        Exit();
        return snapshot;
    }

    /// <summary>
    /// What was recorded since <paramref name="previous"/> (the state reader <paramref name="slot"/> saw last
    /// time, updated here), with the minimum and maximum since then; null when nothing was.
    /// </summary>
    public IntervalHistogram? TakeInterval(int slot, IntervalBaseline previous)
    {
        Enter();
        try
        {
            if (_count == previous.Count)
            {
                return null;
            }

            // The count is the buckets' own total, so that it always agrees with them (a measurement recorded
            // while the reader was registering is counted in neither).
            var counts = new long[_exponential.Length];
            var count = _zeroCount - previous.ZeroCount;
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = _exponential[i] - previous.BucketAt(_exponentialOffset + i);
                count += counts[i];
            }

            if (count == 0)
            {
                previous.Set(_count, _durationSum, _zeroCount, _exponentialOffset, _exponential);
                return null;
            }

            var (min, max) = (_intervalMin[slot], _intervalMax[slot]);
            if (min > max)
            {
                // Only measurements recorded while this reader was registering: their bounds are their buckets'.
                var first = Array.FindIndex(counts, c => c != 0);
                var last = Array.FindLastIndex(counts, c => c != 0);
                min = _zeroCount > previous.ZeroCount || first < 0 ? 0 : ExponentialIndex.LowerBound(_exponentialOffset + first);
                max = last < 0 ? 0 : ExponentialIndex.LowerBound(_exponentialOffset + last + 1);
            }

            var interval = new IntervalHistogram(
                Method, Route, StatusCode, ExponentialIndex.Scale, _exponentialOffset, counts, _zeroCount - previous.ZeroCount,
                count, _durationSum - previous.Sum, min, max);
            previous.Set(_count, _durationSum, _zeroCount, _exponentialOffset, _exponential);
            _intervalMin[slot] = double.PositiveInfinity;
            _intervalMax[slot] = double.NegativeInfinity;
            return interval;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Starts reader <paramref name="slot"/> at the current state: it sees only what is recorded from now on.</summary>
    public IntervalBaseline Baseline(int slot)
    {
        var baseline = new IntervalBaseline();
        Enter();
        baseline.Set(_count, _durationSum, _zeroCount, _exponentialOffset, _exponential);
        _intervalMin[slot] = double.PositiveInfinity;
        _intervalMax[slot] = double.NegativeInfinity;
        Exit();
        return baseline;
    }

    /// <summary>
    /// Widens the exponential window to <paramref name="index"/> (doubling, within the 1024 buckets of
    /// <see cref="ExponentialIndex"/>): a series allocates its buckets with its first measurements and then only
    /// when durations spread wider than ever before.
    /// </summary>
    private void Grow(int index)
    {
        if (_exponential.Length == 0)
        {
            _exponentialOffset = Math.Max(ExponentialIndex.MinIndex, index - 8);
            _exponential = new long[Math.Min(32, ExponentialIndex.MaxIndex - _exponentialOffset + 1)];
            if (index - _exponentialOffset < _exponential.Length)
            {
                return;
            }
        }

        var low = Math.Min(index, _exponentialOffset);
        var high = Math.Max(index, _exponentialOffset + _exponential.Length - 1);
        var length = _exponential.Length;
        while (length < high - low + 1)
        {
            length *= 2;
        }

        // Centre the new room around what is used, so growth in either direction is rare.
        var offset = Math.Max(ExponentialIndex.MinIndex, low - ((length - (high - low + 1)) / 2));
        offset = Math.Min(offset, ExponentialIndex.MaxIndex + 1 - length);
        offset = Math.Max(offset, ExponentialIndex.MinIndex);
        length = Math.Min(length, ExponentialIndex.MaxIndex - offset + 1);
        var grown = new long[length];
        _exponential.CopyTo(grown, _exponentialOffset - offset);
        _exponential = grown;
        _exponentialOffset = offset;
    }

    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            SpinEnter();
        }
    }

    private void SpinEnter()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce();
        }
        while (Interlocked.CompareExchange(ref _lock, 1, 0) != 0);
    }

    private void Exit() => Volatile.Write(ref _lock, 0);
}

/// <summary>One series' cumulative state at a scrape.</summary>
internal sealed class SeriesSnapshot(
    long order, string method, string? route, int statusCode, long[] durationCounts, long[] requestSizeCounts, long[] responseSizeCounts)
{
    public long Order { get; } = order;

    public string Method { get; } = method;

    public string? Route { get; } = route;

    public int StatusCode { get; } = statusCode;

    /// <summary>Each classic duration bucket's own count (not cumulative); the last is the +Inf bucket.</summary>
    public long[] DurationCounts { get; } = durationCounts;

    public double DurationSum { get; set; }

    /// <summary>Durations recorded: the total of <see cref="DurationCounts"/>.</summary>
    public long Count { get; set; }

    public long[] RequestSizeCounts { get; } = requestSizeCounts;

    public long[] ResponseSizeCounts { get; } = responseSizeCounts;

    public long RequestSizeSum { get; set; }

    public long ResponseSizeSum { get; set; }

    /// <summary>Requests whose sizes were recorded: the total of either size's counts.</summary>
    public long SizeCount { get; set; }

    /// <summary>The latest exemplar of each classic duration bucket (empty where none); null when none was kept.</summary>
    public TraceExemplar[]? Exemplars { get; set; }

    /// <summary>
    /// Cumulative counts of the exponential histogram (scale <see cref="ExponentialIndex.Scale"/>): bucket
    /// <c>ExponentialOffset + i</c> holds <c>Exponential[i]</c>; empty when none is kept.
    /// </summary>
    public long[] Exponential { get; set; } = [];

    public int ExponentialOffset { get; set; }

    /// <summary>Durations of zero (or less), which no exponential bucket holds.</summary>
    public long ZeroCount { get; set; }
}

/// <summary>
/// A duration measured while a sampled activity was current: the trace and span it belongs to, the value, and
/// when it was recorded (Unix milliseconds). The default value is the empty exemplar.
/// </summary>
internal readonly record struct TraceExemplar(ActivityTraceId TraceId, ActivitySpanId SpanId, double Value, long UnixMilliseconds)
{
    public bool IsEmpty => TraceId == default;
}

/// <summary>
/// The durations of one series recorded in one interval, as a base-2 exponential histogram: bucket
/// <c>Offset + i</c> holds <c>Counts[i]</c> values; <see cref="Min"/> and <see cref="Max"/> are exact.
/// </summary>
internal sealed record IntervalHistogram(
    string Method, string? Route, int StatusCode, int Scale, int Offset, long[] Counts, long ZeroCount, long Count, double Sum, double Min, double Max);

/// <summary>What an interval reader saw of one series last time: the next interval is the difference.</summary>
internal sealed class IntervalBaseline
{
    private long[] _buckets = [];
    private int _offset;

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public long ZeroCount { get; private set; }

    public long BucketAt(int index) =>
        (uint)(index - _offset) < (uint)_buckets.Length ? _buckets[index - _offset] : 0;

    public void Set(long count, double sum, long zeroCount, int offset, long[] buckets)
    {
        Count = count;
        Sum = sum;
        ZeroCount = zeroCount;
        _offset = offset;
        if (_buckets.Length != buckets.Length)
        {
            _buckets = new long[buckets.Length];
        }

        buckets.CopyTo(_buckets, 0);
    }
}
