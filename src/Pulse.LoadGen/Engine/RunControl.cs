namespace Pulse.LoadGen.Engine;

/// <summary>Why a run stopped starting new work.</summary>
internal enum StopReason
{
    /// <summary>Still running.</summary>
    None,

    /// <summary><c>--duration</c> elapsed.</summary>
    Duration,

    /// <summary>Ctrl+C (SIGINT) or SIGTERM.</summary>
    Interrupt,

    /// <summary>The scenario has nothing more to send (error-burst).</summary>
    ScenarioComplete,
}

/// <summary>
/// The two ways a run ends. <see cref="Stopping"/> is graceful: no new actions start, CRUD flows jump to
/// deleting what they created, requests in flight finish (each within <c>--timeout</c>).
/// <see cref="Aborted"/> (a second Ctrl+C) also cancels the requests in flight and the cleanup.
/// </summary>
internal sealed class RunControl : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private int _reason;
    private int _interrupts;

    public CancellationToken Stopping => _stop.Token;

    public CancellationToken Aborted => _abort.Token;

    public bool IsStopping => _stop.IsCancellationRequested;

    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>Requests a graceful stop; the first reason given wins.</summary>
    public void Stop(StopReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None);
        _stop.Cancel();
    }

    /// <summary>Stops and cancels everything in flight.</summary>
    public void Abort()
    {
        Stop(StopReason.Interrupt);
        _abort.Cancel();
    }

    /// <summary>
    /// Ctrl+C: the first stops gracefully (or aborts, when the run is already stopping and only waiting),
    /// the next aborts; returns false from the third on, to let the process die.
    /// </summary>
    public bool Interrupt()
    {
        var n = Interlocked.Increment(ref _interrupts);
        if (n == 1 && !IsStopping)
        {
            Stop(StopReason.Interrupt);
            return true;
        }

        if (n <= 2)
        {
            Abort();
            return true;
        }

        return false;
    }

    public void Dispose()
    {
        _stop.Dispose();
        _abort.Dispose();
    }
}
