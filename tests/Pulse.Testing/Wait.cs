using System.Diagnostics;

namespace Pulse.Testing;

/// <summary>Waits on a condition, never on the clock alone, and always with a time limit.</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var interval = pollInterval ?? TimeSpan.FromMilliseconds(100);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return;
                }

                last = null;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
            {
                last = ex;
            }

            await Task.Delay(interval);
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.", last);
    }

    /// <summary>Synchronous condition overload.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? pollInterval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, pollInterval);
}
