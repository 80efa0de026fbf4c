namespace Pulse.Telemetry.Http;

/// <summary>
/// Requests being served right now, and the peak since the last <see cref="TakePeak"/>. Lock-free: the
/// request path pays two interlocked operations, and the readers (a scrape, an EMF flush) never block it.
/// </summary>
internal sealed class InFlightRequests
{
    private long _current;
    private long _peak;

    public long Current => Volatile.Read(ref _current);

    public void Enter() => Raise(Interlocked.Increment(ref _current));

    public void Leave() => Interlocked.Decrement(ref _current);

    /// <summary>
    /// Returns the peak since the previous call and starts the next interval at the current count. The peak is
    /// reset first and raised to the current count after, so an <see cref="Enter"/> in between is never lost.
    /// </summary>
    public long TakePeak()
    {
        var peak = Interlocked.Exchange(ref _peak, 0);
        Raise(Current);
        return peak;
    }

    private void Raise(long now)
    {
        var peak = Volatile.Read(ref _peak);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, now, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }
}
