using System.Diagnostics;
using System.Globalization;
using Pulse.LoadGen.Measurement;
using Spectre.Console;

namespace Pulse.LoadGen.Output;

/// <summary>One progress reading. Rate and p95 cover the interval since the previous reading; the rest the whole run.</summary>
internal readonly record struct ProgressReading(TimeSpan Elapsed, long Sent, long InFlight, double Rate, long Errors, long Unexpected, double? P95Milliseconds);

/// <summary>Takes progress readings: cumulative counters plus the last interval's rate and p95, from the difference of two histogram copies.</summary>
internal sealed class ProgressSampler(RunStats stats, long start)
{
    private readonly long _start = start;
    private HistogramCounts _previous = new();
    private HistogramCounts _current = new();
    private readonly HistogramCounts _interval = new();
    private long _previousTimestamp = start;
    private long _previousCount;

    public ProgressReading Read()
    {
        var now = Stopwatch.GetTimestamp();
        stats.MergeLatency(_current);
        _interval.SetToDifference(_current, _previous);
        var count = stats.Count;
        var cancelled = stats.Endpoints.Sum(e => e.Cancelled);
        var seconds = (now - _previousTimestamp) / (double)Stopwatch.Frequency;
        var rate = seconds > 0 ? (count - _previousCount) / seconds : 0;
        var reading = new ProgressReading(
            Stopwatch.GetElapsedTime(_start, now),
            stats.Sent,
            Math.Max(0, stats.Sent - count - cancelled),
            rate,
            stats.Errors,
            stats.Unexpected,
            _interval.Count > 0 ? LatencySummary.Milliseconds(_interval.ValueAtQuantile(0.95)) : null);
        _previousCount = count;
        (_previous, _current) = (_current, _previous);
        _previousTimestamp = now;
        return reading;
    }
}

/// <summary>Shows progress while the run goes on, and the messages of a stopping run.</summary>
internal abstract class ProgressView : IAsyncDisposable
{
    private readonly CancellationTokenSource _done = new();
    private Task? _loop;

    protected ProgressView(CliConsole console, ProgressSampler sampler, string title)
    {
        Console = console;
        Sampler = sampler;
        Title = title;
    }

    protected CliConsole Console { get; }

    protected ProgressSampler Sampler { get; }

    protected string Title { get; }

    protected CancellationToken Done => _done.Token;

    public static ProgressView Start(CliConsole console, ProgressSampler sampler, string title)
    {
        ArgumentNullException.ThrowIfNull(console);
        ProgressView view = console.Interactive ? new LiveProgressView(console, sampler, title) : new PlainProgressView(console, sampler, title);
        view._loop = Task.Run(view.RunAsync);
        return view;
    }

    /// <summary>A message about the run itself (stopping, cleanup).</summary>
    public abstract void Notify(string message);

    public async ValueTask DisposeAsync()
    {
        await _done.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _done.Dispose();
    }

    protected abstract Task RunAsync();

    protected static string FormatLine(ProgressReading r) => string.Create(
        CultureInfo.InvariantCulture,
        $"[{r.Elapsed.TotalSeconds,7:0.0}s] sent {r.Sent}  in flight {r.InFlight}  rate {r.Rate:0.0}/s  errors {r.Errors} (unexpected {r.Unexpected})  p95 {(r.P95Milliseconds is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) + " ms" : "-")}");

    /// <summary>Waits for the next tick; false once the view is done.</summary>
    protected async Task<bool> TickAsync(TimeSpan interval)
    {
        try
        {
            await Task.Delay(interval, Done);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>Redirected output: one line per interval, readable in a log.</summary>
internal sealed class PlainProgressView(CliConsole console, ProgressSampler sampler, string title) : ProgressView(console, sampler, title)
{
    private readonly Lock _write = new();

    public override void Notify(string message)
    {
        lock (_write)
        {
            Console.Out.WriteLine(message);
        }
    }

    protected override async Task RunAsync()
    {
        Notify(Title);
        while (await TickAsync(Console.PlainProgressInterval))
        {
            var line = FormatLine(Sampler.Read());
            Notify(line);
        }
    }
}

/// <summary>A terminal: a Spectre.Console live table, refreshed every second.</summary>
internal sealed class LiveProgressView(CliConsole console, ProgressSampler sampler, string title) : ProgressView(console, sampler, title)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private volatile string? _message;

    public override void Notify(string message) => _message = message;

    protected override async Task RunAsync()
    {
        var table = NewTable(null);
        await Console.Ansi.Live(table).AutoClear(false).StartAsync(async live =>
        {
            do
            {
                var reading = Sampler.Read();
                live.UpdateTarget(NewTable(reading));
                live.Refresh();
            }
            while (await TickAsync(Interval));

            live.UpdateTarget(NewTable(Sampler.Read()));
            live.Refresh();
        });
    }

    private Table NewTable(ProgressReading? reading)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(Title));
        foreach (var column in new[] { "elapsed", "sent", "in flight", "rate /s", "errors", "unexpected", "p95 (last 1 s)" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        if (reading is { } r)
        {
            table.AddRow(
                string.Create(CultureInfo.InvariantCulture, $"{r.Elapsed.TotalSeconds:0.0} s"),
                r.Sent.ToString(CultureInfo.InvariantCulture),
                r.InFlight.ToString(CultureInfo.InvariantCulture),
                r.Rate.ToString("0.0", CultureInfo.InvariantCulture),
                r.Errors == 0 ? "0" : $"[yellow]{r.Errors.ToString(CultureInfo.InvariantCulture)}[/]",
                r.Unexpected == 0 ? "[green]0[/]" : $"[red]{r.Unexpected.ToString(CultureInfo.InvariantCulture)}[/]",
                r.P95Milliseconds is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) + " ms" : "-");
        }

        if (_message is { } message)
        {
            table.Caption(Markup.Escape(message));
        }

        return table;
    }
}
