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

    public void Enter()
    {
        var now = Interlocked.Increment(ref _current);
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

    public void Leave() => Interlocked.Decrement(ref _current);

    /// <summary>Returns the peak since the previous call and starts the next interval at the current count.</summary>
    public long TakePeak() => Interlocked.Exchange(ref _peak, Volatile.Read(ref _current));
}
