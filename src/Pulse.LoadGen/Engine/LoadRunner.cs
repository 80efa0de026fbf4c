using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Pulse.LoadGen.Measurement;
using Pulse.LoadGen.Output;
using Pulse.LoadGen.Scenarios;

namespace Pulse.LoadGen.Engine;

/// <summary>One run: probe the target, send until the duration, the scenario or Ctrl+C ends it, clean up, summarize.</summary>
internal sealed class LoadRunner(LoadOptions options, CliConsole console, RunControl control)
{
    /// <summary>Longest the probe before the run waits for an answer.</summary>
    public static readonly TimeSpan ProbeTimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>Longest the cleanup of left-over CRUD rows may take (each request is also bound by <c>--timeout</c>).</summary>
    public static readonly TimeSpan CleanupTimeLimit = TimeSpan.FromSeconds(30);

    private long _sequence = -1;

    public async Task<int> RunAsync()
    {
        var runId = RandomNumberGenerator.GetHexString(8, lowercase: true);
        var scenario = Scenario.Create(options.Scenario, options.Url, runId);

        if (await ProbeAsync(scenario.Target) is { } unreachable)
        {
            await console.Error.WriteLineAsync($"error: the target {scenario.Target} is unreachable: {unreachable}");
            return ExitCodes.Unreachable;
        }

        var stats = new RunStats(scenario.Endpoints);
        var maxConnections = options.OpenLoop ? options.Concurrency ?? LoadOptions.DefaultOpenLoopConnections : options.EffectiveConcurrency;
        using var driver = new HttpDriver(stats, options.Timeout, maxConnections, control.Aborted);
        var context = new FlowContext(driver, control);

        var startedAt = DateTimeOffset.UtcNow;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var (gen0Before, gen2Before) = (GC.CollectionCount(0), GC.CollectionCount(2));
        var start = Stopwatch.GetTimestamp();
        var title = Title(scenario, maxConnections);
        await using (var progress = ProgressView.Start(console, new ProgressSampler(stats, start), title))
        {
            using var stopping = control.Stopping.Register(() => progress.Notify(StoppingMessage(control, stats)));
            var inFlight = options.OpenLoop
                ? await RunOpenLoopAsync(scenario, driver, context, start)
                : await RunClosedLoopAsync(scenario, driver, context);
            await inFlight;

            using var cleanupLimit = new CancellationTokenSource(CleanupTimeLimit);
            using var aborted = control.Aborted.Register(cleanupLimit.Cancel);
            try
            {
                await scenario.CleanupAsync(context, cleanupLimit.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                stats.NoteFailure($"cleanup failed: {ex.Message}");
            }
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cost = new GeneratorCost(
            stats.Sent == 0 ? 0 : Math.Round((GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore) / (double)stats.Sent, 1),
            GC.CollectionCount(0) - gen0Before,
            GC.CollectionCount(2) - gen2Before);
        var summary = Summarize(scenario, stats, startedAt, seconds, maxConnections) with { Generator = cost };
        SummaryRenderer.Render(console.Ansi, summary);
        if (options.JsonPath is { } path)
        {
            try
            {
                await File.WriteAllTextAsync(path, SummaryJson.Serialize(summary) + "\n");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await console.Error.WriteLineAsync($"error: --json: could not write {path}: {ex.Message}");
                return ExitCodes.BadArguments;
            }
        }

        return summary.ExitCode;
    }

    /// <summary>
    /// Open loop: a dedicated thread follows the schedule and starts each action at its intended time without
    /// waiting for earlier ones. Returns when the schedule ends; the task it returns completes when the last
    /// request has finished.
    /// </summary>
    private async Task<Task> RunOpenLoopAsync(Scenario scenario, HttpDriver driver, FlowContext context, long start)
    {
        var inFlight = new InFlight();
        var scheduler = new OpenLoopScheduler(SystemScheduleClock.Instance, options.Rps!.Value);
        var end = start + Clock.FromTimeSpan(options.Duration);
        var finished = new TaskCompletionSource<StopReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stats = driver.Stats;

        int Dispatch(long sequence, long intended)
        {
            if (scenario.ActionAt(sequence) is not { } action)
            {
                return 0;
            }

            inFlight.Enter();
            // One Task per action is the price of not waiting for it; the send itself allocates nothing more.
            _ = action is SingleRequest single
                ? SendTrackedAsync(driver, single.Template, intended, inFlight)
                : RunFlowTrackedAsync((Flow)action, context, sequence, intended, inFlight);
            return action.Requests;
        }

        var thread = new Thread(() =>
        {
            try
            {
                finished.SetResult(scheduler.Run(start, end, Dispatch, control.Stopping, lag => stats.ScheduleLag.Record(Clock.ToNanoseconds(lag))));
            }
            catch (Exception ex)
            {
                finished.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "loadgen scheduler",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
        control.Stop(await finished.Task);
        return inFlight.WhenIdleAsync();
    }

    /// <summary>Closed loop: <c>--concurrency</c> senders, each sending its next action when the previous one is done.</summary>
    private async Task<Task> RunClosedLoopAsync(Scenario scenario, HttpDriver driver, FlowContext context)
    {
        using var timer = new Timer(_ => control.Stop(StopReason.Duration), null, options.Duration, Timeout.InfiniteTimeSpan);
        var senders = new Task[options.EffectiveConcurrency];
        for (var i = 0; i < senders.Length; i++)
        {
            senders[i] = Task.Run(() => SenderAsync(scenario, driver, context));
        }

        await Task.WhenAll(senders);
        return Task.CompletedTask;
    }

    private async Task SenderAsync(Scenario scenario, HttpDriver driver, FlowContext context)
    {
        while (!control.IsStopping)
        {
            var sequence = Interlocked.Increment(ref _sequence);
            if (scenario.ActionAt(sequence) is not { } action)
            {
                control.Stop(StopReason.ScenarioComplete);
                return;
            }

            if (action is SingleRequest single)
            {
                await driver.SendAsync(single.Template, Stopwatch.GetTimestamp());
            }
            else
            {
                await RunFlowAsync((Flow)action, context, sequence, Stopwatch.GetTimestamp());
            }
        }
    }

    private static async Task SendTrackedAsync(HttpDriver driver, RequestTemplate template, long intended, InFlight inFlight)
    {
        try
        {
            await driver.SendAsync(template, intended);
        }
        finally
        {
            inFlight.Exit();
        }
    }

    private static async Task RunFlowTrackedAsync(Flow flow, FlowContext context, long sequence, long intended, InFlight inFlight)
    {
        try
        {
            await RunFlowAsync(flow, context, sequence, intended);
        }
        finally
        {
            inFlight.Exit();
        }
    }

    private static async Task RunFlowAsync(Flow flow, FlowContext context, long sequence, long intended)
    {
        try
        {
            await flow.RunAsync(context, sequence, intended);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in a flow must not end the run; it shows in the summary.
            context.Driver.Stats.NoteFailure($"flow failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// One request before the run, to tell "nothing answers there" (exit code 3) from "it answers badly".
    /// Any HTTP answer counts as reachable. It goes to the liveness endpoint, which no scenario uses, so it
    /// does not disturb the per-endpoint counts.
    /// </summary>
    private async Task<string?> ProbeAsync(Uri target)
    {
        var limit = options.Timeout < ProbeTimeLimit ? options.Timeout : ProbeTimeLimit;
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = limit, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { Timeout = limit };
        var probe = new Uri(target, Routes.Liveness.TrimStart('/'));
        try
        {
            using var response = await client.GetAsync(probe, control.Aborted);
            return null;
        }
        catch (HttpRequestException ex)
        {
            return $"GET {probe} failed: {ex.InnerException?.Message ?? ex.Message}";
        }
        catch (TaskCanceledException) when (!control.Aborted.IsCancellationRequested)
        {
            return $"GET {probe} got no answer within {Durations.Format(limit)}";
        }
    }

    private RunSummary Summarize(Scenario scenario, RunStats stats, DateTimeOffset startedAt, double seconds, int maxConnections)
    {
        var overall = SummaryBuilder.Overall(stats, seconds);
        var errorRate = SummaryBuilder.ErrorRate(overall.Unexpected, overall.Count);
        return new RunSummary
        {
            Target = scenario.Target.AbsoluteUri,
            Scenario = ScenarioNames.Format(options.Scenario),
            Mode = options.OpenLoop ? "open-loop" : "closed-loop",
            Rps = options.Rps,
            Concurrency = maxConnections,
            StartedAt = startedAt,
            DurationSeconds = Math.Round(seconds, 3),
            StoppedBy = control.Reason switch
            {
                StopReason.Interrupt => "interrupt",
                StopReason.ScenarioComplete => "scenario-complete",
                _ => "duration",
            },
            MaxErrorRate = options.MaxErrorRate,
            ErrorRate = Math.Round(errorRate, 6),
            ExitCode = errorRate > options.MaxErrorRate ? ExitCodes.ErrorRateExceeded : ExitCodes.Ok,
            Overall = overall,
            Endpoints = [.. stats.Endpoints.Where(e => e.Count + e.Cancelled > 0).Select(e => SummaryBuilder.Endpoint(e, seconds))],
            ScheduleLagMs = options.OpenLoop && stats.ScheduleLag.Count > 0 ? Lag(stats.ScheduleLag) : null,
            Failures = [.. stats.FailureSamples().Select(f => new FailureSample(f.Key, f.Value))],
            Generator = new GeneratorCost(0, 0, 0),
        };
    }

    private static LagSummary Lag(LatencyHistogram lag)
    {
        var counts = new HistogramCounts();
        counts.Add(lag);
        return new LagSummary(
            LatencySummary.Milliseconds(counts.ValueAtQuantile(0.5)),
            LatencySummary.Milliseconds(counts.ValueAtQuantile(0.99)),
            LatencySummary.Milliseconds(counts.Max));
    }

    private string Title(Scenario scenario, int maxConnections)
    {
        var mode = options.Rps is { } rps
            ? string.Create(CultureInfo.InvariantCulture, $"open loop at {rps:0.###} rps")
            : string.Create(CultureInfo.InvariantCulture, $"closed loop x{maxConnections}");
        return $"{ScenarioNames.Format(options.Scenario)} -> {scenario.Target}, {mode}, {Durations.Format(options.Duration)}";
    }

    private string StoppingMessage(RunControl run, RunStats stats)
    {
        var inFlight = Math.Max(0, stats.Sent - stats.Count);
        var why = run.Reason switch
        {
            StopReason.Interrupt => "Interrupted",
            StopReason.ScenarioComplete => "Scenario complete",
            _ => "Duration reached",
        };
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{why}: waiting for {inFlight} requests in flight (each within --timeout {Durations.Format(options.Timeout)}) and the cleanup; press Ctrl+C to abandon them.");
    }
}

/// <summary>Counts actions in flight; <see cref="WhenIdleAsync"/> completes when the schedule has ended and the last one finished.</summary>
internal sealed class InFlight
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Starts at 1: the schedule itself holds a reference until WhenIdleAsync releases it.
    private long _count = 1;

    public void Enter() => Interlocked.Increment(ref _count);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _idle.TrySetResult();
        }
    }

    public Task WhenIdleAsync()
    {
        Exit();
        return _idle.Task;
    }
}
