using System.Text;

namespace Pulse.Testing.Emf;

/// <summary>
/// A stand-in for stdout: remembers every write call, and can be made to stall (every write blocks until
/// <see cref="Resume"/>), as stdout does when the log driver stops reading.
/// </summary>
public sealed class CapturingWriter : TextWriter
{
    private readonly Lock _lock = new();
    private readonly List<string> _writes = [];
    private readonly ManualResetEventSlim _open = new(initialState: true);
    private int _blockedWriters;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The text of each write call, in order.</summary>
    public IReadOnlyList<string> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>All text written, split into lines (without their newlines).</summary>
    public IReadOnlyList<string> Lines => string.Concat(Writes).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>How many writes are blocked right now by <see cref="Stall"/>.</summary>
    public int BlockedWriters => Volatile.Read(ref _blockedWriters);

    public void Stall() => _open.Reset();

    public void Resume() => _open.Set();

    public override void Write(string? value)
    {
        if (!_open.IsSet)
        {
            Interlocked.Increment(ref _blockedWriters);
            try
            {
                // Bounded, so that a test that forgets to resume cannot hang the run.
                _open.Wait(TimeSpan.FromMinutes(2));
            }
            finally
            {
                Interlocked.Decrement(ref _blockedWriters);
            }
        }

        lock (_lock)
        {
            _writes.Add(value ?? string.Empty);
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _open.Set();
            _open.Dispose();
        }

        base.Dispose(disposing);
    }
}
