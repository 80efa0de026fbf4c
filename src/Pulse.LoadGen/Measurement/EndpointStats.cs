namespace Pulse.LoadGen.Measurement;

/// <summary>
/// One endpoint as the service labels it: the HTTP method and the route template the scenario intends
/// (for example <c>GET /products/{id}</c>), matching the <c>method</c> and <c>endpoint</c> labels of
/// <c>http_requests_total</c>.
/// </summary>
internal sealed record EndpointKey(string Method, string Route)
{
    public override string ToString() => $"{Method} {Route}";
}

/// <summary>How one request ended.</summary>
internal enum Outcome
{
    /// <summary>A complete response arrived (any status code).</summary>
    Response,

    /// <summary>No complete response within <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>The connection could not be opened or broke before the response was complete.</summary>
    ConnectionError,

    /// <summary>Abandoned by a second Ctrl+C; neither counted nor an error.</summary>
    Cancelled,
}

/// <summary>
/// Counters of one endpoint, updated concurrently by every sender without locks or allocations.
/// </summary>
internal sealed class EndpointStats(EndpointKey key)
{
    /// <summary>Status codes 100..599 are counted individually; anything else lands in slot 0.</summary>
    private const int StatusSlots = 600;

    private readonly long[] _statusCounts = new long[StatusSlots];
    private long _count;
    private long _unexpected;
    private long _timeouts;
    private long _connectionErrors;
    private long _cancelled;
    private long _httpErrors;

    public EndpointKey Key { get; } = key;

    /// <summary>Latency of complete responses, in nanoseconds.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Requests that finished: complete responses, timeouts and connection errors.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Finished requests whose outcome the scenario did not expect (wrong status or body, timeout, connection error).</summary>
    public long Unexpected => Volatile.Read(ref _unexpected);

    /// <summary>Responses with a status code of 400 or more (what the service's error metrics count), plus transport failures.</summary>
    public long Errors => Volatile.Read(ref _httpErrors) + Timeouts + ConnectionErrors;

    /// <summary>Responses with a status code of 400 or more.</summary>
    public long HttpErrors => Volatile.Read(ref _httpErrors);

    public long Timeouts => Volatile.Read(ref _timeouts);

    public long ConnectionErrors => Volatile.Read(ref _connectionErrors);

    public long Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Records a complete response.</summary>
    public void RecordResponse(int statusCode, long latencyNanoseconds, bool expected)
    {
        Latency.Record(latencyNanoseconds);
        Interlocked.Increment(ref _statusCounts[statusCode is >= 100 and < StatusSlots ? statusCode : 0]);
        if (statusCode >= 400)
        {
            Interlocked.Increment(ref _httpErrors);
        }

        if (!expected)
        {
            Interlocked.Increment(ref _unexpected);
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>Records a request that ended without a complete response.</summary>
    public void RecordFailure(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Timeout:
                Interlocked.Increment(ref _timeouts);
                break;
            case Outcome.ConnectionError:
                Interlocked.Increment(ref _connectionErrors);
                break;
            case Outcome.Cancelled:
                Interlocked.Increment(ref _cancelled);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Use RecordResponse for responses.");
        }

        Interlocked.Increment(ref _unexpected);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Status codes seen so far, ascending; code 0 stands for codes outside 100..599.</summary>
    public IEnumerable<KeyValuePair<int, long>> StatusCounts()
    {
        for (var code = 0; code < StatusSlots; code++)
        {
            var count = Volatile.Read(ref _statusCounts[code]);
            if (count != 0)
            {
                yield return new(code, count);
            }
        }
    }
}
