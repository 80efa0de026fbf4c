using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Emf;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Schema;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.Tests.Emf;

/// <summary>
/// The EMF exporter without a web server: a host-scoped meter with ASP.NET Core's names stands in for the
/// hosting layer's <c>http.server.request.duration</c>, which feeds the host's request aggregation as in the
/// service, and stdout is a <see cref="CapturingWriter"/>. The exporter reads the wall clock, but its interval timer
/// only fires when a test asks for wall-clock flushes: otherwise the one flush is the one on stop, so that a minute
/// boundary passing during a test cannot add an interval's documents to what it counts.
/// </summary>
internal sealed class EmfHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<EmfExporter> _exporters = [];
    private readonly HttpRequestListener _listener;

    private readonly TimeProvider _time;

    public EmfHarness(Action<EmfOptions>? configure = null, bool wallClockFlushes = false)
    {
        _time = wallClockFlushes ? TimeProvider.System : new NoIntervalTimers();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        configure?.Invoke(Settings);
        Output = new EmfOutput(new EmfTarget(() => Writer), Settings.QueueCapacity, new EmfCounters(MeterFactory), NullLogger<EmfOutput>.Instance);
        Duration = MeterFactory.Create(PulseMetrics.AspNetCoreHostingMeterName)
            .CreateHistogram<double>(HttpTags.ServerRequestDuration, "s");
        Aggregation = new RequestAggregation(PulseMetrics.Http.DefaultDurationBuckets, PulseMetrics.Http.DefaultSizeBuckets);
        _listener = new HttpRequestListener(new HostMeterScope(MeterFactory), Aggregation);
    }

    public IMeterFactory MeterFactory { get; }

    public EmfOptions Settings { get; } = new();

    public CapturingWriter Writer { get; } = new();

    public EmfOutput Output { get; }

    public InFlightRequests InFlight { get; } = new();

    public Histogram<double> Duration { get; }

    /// <summary>The host's request aggregation, fed from <see cref="Duration"/> as the service's is.</summary>
    public RequestAggregation Aggregation { get; }

    public async Task<EmfExporter> StartAsync(EmfMode mode, EcsTaskMetadata? ecs = null)
    {
        var settings = new EmfOptions();
        Settings.CopyTo(settings);
        settings.Mode = mode;
        var exporter = new EmfExporter(
            settings, Output, new HostMeterScope(MeterFactory), Aggregation, InFlight,
            ecs ?? new EcsTaskMetadata(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), NullLogger<EcsTaskMetadata>.Instance),
            _time, NullLogger<EmfExporter>.Instance);
        await exporter.StartAsync(CancellationToken.None);
        _exporters.Add(exporter);
        return exporter;
    }

    /// <summary>Records one request as the hosting layer would, plus the tags the middleware adds in PerRequest mode.</summary>
    public void Record(double seconds, string? route, int status, string method = "GET", string? requestId = null, string? traceId = null)
    {
        var tags = new TagList
        {
            { HttpTags.Method, method },
            { "url.scheme", "http" },
            { "network.protocol.version", "1.1" },
            { HttpTags.StatusCode, status },
        };
        if (route is not null)
        {
            tags.Add(HttpTags.Route, route);
        }

        if (requestId is not null)
        {
            tags.Add(HttpTags.RequestId, requestId);
        }

        if (traceId is not null)
        {
            tags.Add(HttpTags.TraceId, traceId);
        }

        Duration.Record(seconds, tags);
    }

    /// <summary>Stops every exporter as a host does (the final flush comes after every stop) and returns every line written.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        foreach (var exporter in _exporters)
        {
            await exporter.StopAsync(CancellationToken.None);
        }

        foreach (var exporter in _exporters)
        {
            await exporter.StoppedAsync(CancellationToken.None);
        }

        return Writer.Lines;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var exporter in _exporters)
        {
            exporter.Dispose();
        }

        _listener.Dispose();
        Output.Dispose();
        Writer.Dispose();
        await _services.DisposeAsync();
    }

    /// <summary>The system's clock whose timers never fire: the exporter's interval wait lasts until it is cancelled.</summary>
    private sealed class NoIntervalTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
