using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pulse.Telemetry.Formats.Emf;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Emf;

/// <summary>Where EMF lines go: stdout unless a test says otherwise.</summary>
/// <param name="writer">
/// Returns the writer at each write. The default is <see cref="Console.Out"/>, the same synchronized writer
/// the console logger writes to: each of its Write calls is atomic, and every EMF document and every log
/// entry is exactly one Write call ending in a newline, so their lines never interleave.
/// </param>
internal sealed class EmfTarget(Func<TextWriter> writer)
{
    public static EmfTarget Stdout { get; } = new(static () => Console.Out);

    public TextWriter Writer => writer();
}

/// <summary>
/// The host's counts of EMF documents written and dropped, over every EMF exporter it runs, published as
/// <see cref="PulseMetrics.Emf.DocumentsWritten"/> and <see cref="PulseMetrics.Emf.DocumentsDropped"/>.
/// </summary>
internal sealed class EmfCounters
{
    private long _written;
    private long _dropped;

    public EmfCounters(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(PulseMetrics.EmfMeterName);
        meter.CreateObservableCounter(PulseMetrics.Emf.DocumentsWritten, () => Written, "{document}", "EMF documents written to stdout.");
        meter.CreateObservableCounter(
            PulseMetrics.Emf.DocumentsDropped, () => Dropped, "{document}", "EMF documents dropped because stdout could not keep up.");
    }

    public long Written => Interlocked.Read(ref _written);

    public long Dropped => Interlocked.Read(ref _dropped);

    public void CountWritten() => Interlocked.Increment(ref _written);

    public void CountDropped() => Interlocked.Increment(ref _dropped);
}

/// <summary>
/// The only thing between an EMF exporter and stdout: a bounded queue and one background thread that writes
/// each document as one line with one write call. Enqueuing never blocks, so neither requests nor flushes ever
/// wait on stdout; when stdout stalls long enough to fill the queue, documents are dropped and counted
/// (<see cref="PulseMetrics.Emf.DocumentsDropped"/>).
/// </summary>
internal sealed partial class EmfOutput : IDisposable
{
    private readonly Channel<EmfEntry> _queue;
    private readonly EmfTarget _target;
    private readonly EmfCounters _counters;
    private readonly ILogger<EmfOutput> _logger;
    private readonly Thread _thread;
    private long _written;
    private long _dropped;
    private int _dropLogged;

    public EmfOutput(EmfTarget target, int queueCapacity, EmfCounters counters, ILogger<EmfOutput> logger)
    {
        _target = target;
        _counters = counters;
        _logger = logger;
        _queue = Channel.CreateBounded<EmfEntry>(new BoundedChannelOptions(queueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        // A thread of its own: writing to a stalled stdout blocks, and must not block a thread-pool thread.
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "Pulse EMF writer" };
        _thread.Start();
    }

    public long Written => Interlocked.Read(ref _written);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a finished document (ending in a newline); drops and counts it when the queue is full.</summary>
    public void Enqueue(string document) => Enqueue(new EmfEntry(document, default, null, null));

    /// <summary>Queues a request to be written by <paramref name="formatter"/> on the writer thread.</summary>
    public void Enqueue(in RequestSample request, PulseEmfDocuments formatter) => Enqueue(new EmfEntry(null, request, formatter, null));

    /// <summary>Waits until everything queued before this call has been written (or dropped), then flushes the target.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new EmfEntry(null, default, null, done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _queue.Writer.TryComplete();

    private void Enqueue(in EmfEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            CountDrop("the queue is full: stdout is not keeping up");
        }
    }

    private void WriteLoop()
    {
        var reader = _queue.Reader;
        while (WaitToRead(reader))
        {
            while (reader.TryRead(out var entry))
            {
                if (entry.Drained is { } drained)
                {
                    Flush();
                    drained.TrySetResult();
                    continue;
                }

                string document;
                try
                {
                    document = entry.Document ?? entry.Formatter!.WriteRequest(entry.Request);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
                {
                    CountDrop($"it could not be written as JSON ({ex.Message})");
                    continue;
                }

                if (document.Length > EmfDocumentWriter.MaxDocumentBytes)
                {
                    CountDrop("it is larger than 256 KB");
                    continue;
                }

                try
                {
                    _target.Writer.Write(document);
                    Interlocked.Increment(ref _written);
                    _counters.CountWritten();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    CountDrop($"stdout failed ({ex.Message})");
                }
            }
        }
    }

    private static bool WaitToRead(ChannelReader<EmfEntry> reader) => reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();

    private void Flush()
    {
        try
        {
            _target.Writer.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Nothing more can be done about stdout here; what was lost is already counted.
        }
    }

    private void CountDrop(string reason)
    {
        Interlocked.Increment(ref _dropped);
        _counters.CountDropped();

        // Once: when stdout stalls, a log line per drop would only add to what cannot be written.
        if (Interlocked.Exchange(ref _dropLogged, 1) == 0)
        {
            LogDropped(_logger, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An EMF document was dropped because {Reason}. Further drops are only counted in " + PulseMetrics.Emf.DocumentsDropped + ".")]
    private static partial void LogDropped(ILogger logger, string reason);

    private readonly record struct EmfEntry(string? Document, RequestSample Request, PulseEmfDocuments? Formatter, TaskCompletionSource? Drained);
}
