using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Telemetry.Http;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// Turns this host's request measurements into EMF documents on stdout. Aggregated mode collects a delta
/// exponential histogram at every interval boundary of the wall clock and writes per-endpoint and
/// service-wide documents stamped with the interval's start, so each lands in one CloudWatch period;
/// PerRequest mode writes one document per request and, per interval, the peak of requests in flight.
/// The last documents are written in <see cref="StoppedAsync"/>, which the host calls once every hosted
/// service has stopped, the server included (so whatever the registration order, it has drained its
/// requests): the partial interval is collected and everything queued is written before the host exits,
/// and the documents' counts add up to the requests served.
/// </summary>
internal sealed partial class EmfExporter : IHostedLifecycleService, IDisposable
{
    /// <summary>How long a stop waits for stdout to take the last documents.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly EmfOptions _settings;
    private readonly EmfMode _mode;
    private readonly EmfOutput _output;
    private readonly HostMeterScope _scope;
    private readonly InFlightRequests _inFlight;
    private readonly EcsTaskMetadata _ecs;
    private readonly TimeProvider _time;
    private readonly ILogger<EmfExporter> _logger;
    private readonly long _intervalMs;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _flushLock = new();
    private readonly Lock _stopLock = new();

    private EmfDocumentWriter? _writer;
    private EmfHistogramCollector? _collector;
    private EmfRequestListener? _listener;
    private Task _loop = Task.CompletedTask;
    private Task? _stopped;
    private volatile bool _disposed;

    public EmfExporter(
        IOptions<TelemetryOptions> options, EmfOutput output, HostMeterScope scope, InFlightRequests inFlight, EcsTaskMetadata ecs,
        TimeProvider time, ILogger<EmfExporter> logger)
        : this(options, output, scope, inFlight, ecs, time, logger, mode: null)
    {
    }

    /// <remarks>A <c>mode</c> other than null overrides <see cref="EmfOptions.Mode"/> (tests run both modes on the same traffic).</remarks>
    internal EmfExporter(
        IOptions<TelemetryOptions> options, EmfOutput output, HostMeterScope scope, InFlightRequests inFlight, EcsTaskMetadata ecs,
        TimeProvider time, ILogger<EmfExporter> logger, EmfMode? mode)
    {
        ArgumentNullException.ThrowIfNull(options);
        _settings = options.Value.Emf;
        _mode = mode ?? _settings.Mode;
        _output = output;
        _scope = scope;
        _inFlight = inFlight;
        _ecs = ecs;
        _time = time;
        _logger = logger;
        _intervalMs = (long)_settings.FlushInterval.TotalMilliseconds;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var properties = await _ecs.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        _writer = new EmfDocumentWriter(_settings.Namespace, _settings.ServiceName, properties);
        if (_mode == EmfMode.Aggregated)
        {
            _collector = new EmfHistogramCollector(_scope);
        }
        else
        {
            // The writer thread formats per-request documents with a writer of its own.
            var requestWriter = new EmfDocumentWriter(_settings.Namespace, _settings.ServiceName, properties);
            _listener = new EmfRequestListener(_scope, _time, request => _output.Enqueue(request, requestWriter));
            _listener.Start();
        }

        LogStarted(_logger, _mode, _settings.Namespace, _settings.ServiceName, _settings.FlushInterval.TotalSeconds);
        _loop = RunAsync(_stopping.Token);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends the interval timer; the server may still be draining requests, so nothing is collected yet.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_disposed)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Writes the partial interval and waits (up to <see cref="DrainTimeout"/>) until stdout has taken every
    /// queued document. Only the first call does so: a host can be stopped twice (WebApplicationFactory
    /// stops it, then <c>app.Run()</c> returning stops it again).
    /// </summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stopped ??= FinishAsync(cancellationToken);
        }
    }

    private async Task FinishAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        if (_writer is null || _disposed)
        {
            // Never started, or already torn down: there is nothing to collect.
            return;
        }

        // Every hosted service has stopped, the server included: nothing more is measured.
        _listener?.Dispose();
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Flush(nowMs - (nowMs % _intervalMs));
        _collector?.Dispose();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DrainTimeout);
        try
        {
            await _output.DrainAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            LogNotDrained(_logger, DrainTimeout.TotalSeconds);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
        _listener?.Dispose();
        _collector?.Dispose();
    }

    /// <summary>Collects and queues the documents of the interval that started at <paramref name="intervalStartMs"/>.</summary>
    internal void Flush(long intervalStartMs)
    {
        lock (_flushLock)
        {
            var writer = _writer ?? throw new InvalidOperationException("The EMF exporter has not started.");
            var peak = _inFlight.TakePeak();
            if (_collector is null)
            {
                _output.Enqueue(writer.WriteService(intervalStartMs, totals: null, activeRequests: peak, EmfLatency.None));
                return;
            }

            var histograms = _collector.Collect();
            var service = new LatencyDistribution();
            long requests = 0, errors = 0, serverErrors = 0;
            foreach (var endpoint in histograms.GroupBy(h => h.Route ?? PulseMetrics.UnmatchedEndpoint, StringComparer.Ordinal))
            {
                var latency = new LatencyDistribution();
                long endpointErrors = 0, endpointServerErrors = 0;
                foreach (var histogram in endpoint)
                {
                    latency.Merge(histogram.Distribution);
                    endpointErrors += histogram.StatusCode >= 400 ? histogram.Distribution.Count : 0;
                    endpointServerErrors += histogram.StatusCode >= 500 ? histogram.Distribution.Count : 0;
                }

                var totals = new RequestTotals(latency.Count, endpointErrors, endpointServerErrors);
                var parts = Latency(latency);
                _output.Enqueue(writer.WriteEndpoint(intervalStartMs, endpoint.Key, totals, parts.Count > 0 ? parts[0] : EmfLatency.None));
                for (var i = 1; i < parts.Count; i++)
                {
                    _output.Enqueue(writer.WriteEndpoint(intervalStartMs, endpoint.Key, totals: null, parts[i]));
                }

                service.Merge(latency);
                requests += totals.Requests;
                errors += totals.Errors;
                serverErrors += totals.ServerErrors;
            }

            // Written every interval, traffic or not: alarms on RequestCount or ErrorCount then see a 0, not missing data.
            var serviceParts = Latency(service);
            _output.Enqueue(writer.WriteService(
                intervalStartMs, new RequestTotals(requests, errors, serverErrors), peak, serviceParts.Count > 0 ? serviceParts[0] : EmfLatency.None));
            for (var i = 1; i < serviceParts.Count; i++)
            {
                _output.Enqueue(writer.WriteService(intervalStartMs, totals: null, activeRequests: null, serviceParts[i]));
            }
        }
    }

    private List<EmfLatency> Latency(LatencyDistribution distribution)
    {
        if (distribution.Count == 0)
        {
            return [];
        }

        return _settings.LatencyFormat switch
        {
            EmfLatencyFormat.Values => [EmfLatency.Values(distribution.ToPlainValues())],
            EmfLatencyFormat.StatisticSet => [EmfLatency.StatisticSet(distribution)],
            _ => [.. distribution.ToChunks().Select(EmfLatency.Distribution)],
        };
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Not on the caller's thread: StartAsync returns at the first await below.
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var boundaryMs = (nowMs / _intervalMs + 1) * _intervalMs;
            try
            {
                // Timers may fire a little early: wait until the wall clock has really passed the boundary.
                while (nowMs < boundaryMs)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(boundaryMs - nowMs), _time, cancellationToken).ConfigureAwait(false);
                    nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                Flush(boundaryMs - _intervalMs);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or OverflowException)
            {
                LogFlushFailed(_logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Writing CloudWatch EMF documents to stdout: {Mode} mode, namespace {Namespace}, service {Service}, every {IntervalSeconds} s.")]
    private static partial void LogStarted(ILogger logger, EmfMode mode, string @namespace, string service, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stdout did not take the last EMF documents within {Seconds} s of stopping.")]
    private static partial void LogNotDrained(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "An EMF flush failed; the next interval is tried as usual.")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
