using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Formats.Emf;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// Turns this host's request measurements, and the metrics of the meters listed in <see cref="EmfOptions.Meters"/>,
/// into EMF documents on stdout. Aggregated mode collects a delta exponential histogram at every interval
/// boundary of the wall clock and writes per-endpoint and service-wide documents stamped with the interval's
/// start, so each lands in one CloudWatch period; PerRequest mode writes one document per request and, per
/// interval, the peak of requests in flight. The last documents are written in <see cref="StoppedAsync"/>, which
/// the host calls once every hosted service has stopped, the server included (so whatever the registration
/// order, it has drained its requests): the partial interval is collected and everything queued is written
/// before the host exits, and the documents' counts add up to the requests served.
/// </summary>
internal sealed partial class EmfExporter : IHostedLifecycleService, IDisposable
{
    /// <summary>How long a stop waits for stdout to take the last documents.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly EmfOptions _settings;
    private readonly EmfMode _mode;
    private readonly EmfOutput _output;
    private readonly HostMeterScope _scope;
    private readonly RequestAggregation? _requests;
    private readonly InFlightRequests? _inFlight;
    private readonly EcsTaskMetadata _ecs;
    private readonly TimeProvider _time;
    private readonly ILogger<EmfExporter> _logger;
    private readonly long _intervalMs;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _flushLock = new();
    private readonly Lock _stopLock = new();

    private PulseEmfDocuments? _writer;
    private EmfCollector? _collector;
    private IntervalReader? _intervals;
    private MetricDocuments? _metrics;
    private EmfRequestListener? _listener;
    private Task _loop = Task.CompletedTask;
    private Task? _stopped;
    private volatile bool _disposed;

    /// <param name="settings">This exporter's options.</param>
    /// <param name="output">This exporter's way to stdout.</param>
    /// <param name="scope">This host's instruments.</param>
    /// <param name="requests">The host's request aggregation, which Aggregated mode reads.</param>
    /// <param name="inFlight">Requests in flight, when the HTTP metrics are added; without them no ActiveRequests is written.</param>
    /// <param name="ecs">The ECS task's identity, added to every document.</param>
    /// <param name="time">The clock that stamps documents and times the intervals.</param>
    /// <param name="logger">Where start, drop and flush failures are told.</param>
    public EmfExporter(
        EmfOptions settings, EmfOutput output, HostMeterScope scope, RequestAggregation? requests, InFlightRequests? inFlight, EcsTaskMetadata ecs,
        TimeProvider time, ILogger<EmfExporter> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _mode = settings.Mode;
        _output = output;
        _scope = scope;
        _requests = requests;
        _inFlight = inFlight;
        _ecs = ecs;
        _time = time;
        _logger = logger;
        _intervalMs = (long)_settings.FlushInterval.TotalMilliseconds;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_settings.Enabled)
        {
            // Added to a pipeline but switched off in its options: nothing is listened to or written.
            return;
        }

        var properties = await _ecs.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        _writer = new PulseEmfDocuments(_settings.Namespace, _settings.ServiceName, properties);
        if (_mode == EmfMode.Aggregated)
        {
            _intervals = (_requests ?? throw new InvalidOperationException("Aggregated EMF reads the request aggregation, which was not added.")).AddIntervalReader();
        }

        if (_settings.Meters.Count > 0)
        {
            _collector = new EmfCollector(_scope, _settings.Meters);
            _metrics = new MetricDocuments(new EmfDocumentWriter(_settings.Namespace, properties), _settings.ServiceName, _settings.LatencyFormat);
        }

        if (_mode == EmfMode.PerRequest)
        {
            // The writer thread formats per-request documents with a writer of its own.
            var requestWriter = new PulseEmfDocuments(_settings.Namespace, _settings.ServiceName, properties);
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

    /// <summary>Idempotent: the container disposes the exporter once as itself and once as a hosted service.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

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
            var peak = _inFlight?.TakePeak();
            if (_collector is not null && _metrics is not null)
            {
                _collector.Collect(_metrics.Add);
            }

            if (_intervals is not null)
            {
                var histograms = _intervals.Collect().Select(static h => new RouteStatusHistogram(
                    h.Route, h.StatusCode, ExponentialDistribution.FromBuckets(h.Scale, h.Offset, h.Counts, h.ZeroCount, h.Sum, h.Min, h.Max)));
                writer.WriteInterval(intervalStartMs, histograms, peak, _settings.LatencyFormat, _output.Enqueue);
            }
            else if (peak is not null)
            {
                _output.Enqueue(writer.WriteService(intervalStartMs, totals: null, activeRequests: peak, EmfValue.None));
            }

            _metrics?.Write(intervalStartMs, _output.Enqueue);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Not on the caller's thread: StartAsync returns at the first await below.
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            // The next boundary of the wall clock. If the loop was held up past a boundary (a flush or the machine
            // slower than one interval), that interval is not written on its own: its measurements go out with the
            // next one, stamped with the next one's start, so stamps stay whole intervals and never repeat.
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
